#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A checkout with no configuration at all is a developer's machine: run with DEBUG on.
    # Any deployment sets SECRET_KEY, so it keeps DEBUG off; the app server (config.wsgi)
    # never does this and refuses to start without a real SECRET_KEY.
    if "SECRET_KEY" not in os.environ and "DJANGO_DEBUG" not in os.environ:
        os.environ["DJANGO_DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
