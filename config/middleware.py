"""Security headers on every response: a Content-Security-Policy and a Permissions-Policy.

No page has inline script or style (everything is in static files; a test parses every
page of the role × page matrix to keep it so), so the policy allows scripts and styles
from the site only. The Django admin needs no exception: its templates use no inline
script or style (the one ``<style>`` block of its change list appears only for a model
admin without actions on top or bottom, which this site does not have). The camera is refused everywhere except on views marked with ``allows_camera``
(the trainer's check-in scanner).
"""

from functools import wraps

from django.conf import settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

_REFUSED = "microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()"
PERMISSIONS_POLICY = "camera=(), " + _REFUSED
CAMERA_PERMISSIONS_POLICY = "camera=(self), " + _REFUSED


def allows_camera(view):
    """Let the page of ``view`` ask for the camera (Permissions-Policy ``camera=(self)``)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.allows_camera = True
        return response

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400 and "Content-Security-Policy" not in response:
            # Django's technical error pages (DEBUG only) are styled inline.
            return response
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        camera = getattr(response, "allows_camera", False)
        response.setdefault("Permissions-Policy", CAMERA_PERMISSIONS_POLICY if camera else PERMISSIONS_POLICY)
        return response
