"""Manage the keys that sign certificates' credentials.

    manage.py credential_keys list        # key ids, creation dates, which one signs
    manage.py credential_keys generate    # the first key (refuses if one is active)
    manage.py credential_keys rotate      # a new key signs from now on; old ones keep verifying
    manage.py credential_keys check       # the keys and the configured city seals can be used

Private keys are never printed.
"""

from django.core.management.base import BaseCommand, CommandError

from certificates import keys, seal


class Command(BaseCommand):
    help = "List, generate or rotate the credential signing keys; check the city seals."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "generate", "rotate", "check"])

    def handle(self, *args, action, **options):
        if not keys.keys_dir():
            raise CommandError("Set CREDENTIAL_KEYS_DIR first (a folder outside MEDIA_ROOT).")
        if action == "generate":
            if keys.has_active_key():
                raise CommandError("A key is already active; use `rotate` to replace it.")
            key = keys.generate_key()
            self.stdout.write("Generated and activated key %s in %s" % (key.key_id, keys.keys_dir()))
        elif action == "rotate":
            previous = keys.active_key().key_id if keys.has_active_key() else None
            key = keys.generate_key()
            self.stdout.write("Key %s signs from now on." % key.key_id)
            if previous:
                self.stdout.write("Key %s is retired: it stays published and keeps verifying." % previous)
        elif action == "check":
            problems = [] if keys.has_active_key() else ["No active credential key in %s." % keys.keys_dir()]
            problems += seal.check_seals()
            for problem in problems:
                self.stderr.write(problem)
            if problems:
                raise CommandError("%d problem(s)." % len(problems))
            self.stdout.write("Credential key and seals are usable.")
        else:
            active = keys.active_key().key_id if keys.has_active_key() else None
            for key in keys.all_keys():
                marker = "active " if key.key_id == active else "retired"
                self.stdout.write("%s  %s  %s" % (marker, key.key_id, key.created))
