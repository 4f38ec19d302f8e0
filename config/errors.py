"""The site's answer to an unexpected error.

A database that went away in the middle of a request (a connection killed by a
failover, a server restart, a pool that dropped it) is not the visitor's fault and
usually gone a second later: ``CONN_HEALTH_CHECKS`` gives the next request a fresh
connection. So those errors answer 503 with a "please try again" page instead of
the generic 500. Sending a form again is safe: every state change is one
transaction, and the services refuse a duplicate (a second registration is
"already registered").
"""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

# Seconds the 503 tells clients to wait before trying again.
RETRY_AFTER = 5


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """``handler500``: 503 "please try again" when the database dropped out, else the 500 page."""
    import sys

    if is_database_unavailable(sys.exc_info()[1]):
        # Rendered without a request context, like the 500 page: nothing here may touch
        # the database (no user, no context processors).
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return django_server_error(request, template_name)
