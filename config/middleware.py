"""Security headers on every response: a Content-Security-Policy and a Permissions-Policy.

No page has inline script or style (everything is in static files; a test parses every
page of the role × page matrix to keep it so), so the policy allows scripts and styles
from the site only. The Django admin is the one relaxation: its change list prints a
``<style>`` block, so ``/admin/`` also allows inline styles (never inline scripts).
The camera is refused everywhere except on views marked with ``allows_camera``
(the trainer's check-in scanner).
"""

from functools import wraps

from django.conf import settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

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
        self.admin_prefix = "/admin/"

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400 and "Content-Security-Policy" not in response:
            # Django's technical error pages (DEBUG only) are styled inline.
            return response
        if request.path.startswith(self.admin_prefix):
            response.setdefault("Content-Security-Policy", ADMIN_CONTENT_SECURITY_POLICY)
        else:
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        camera = getattr(response, "allows_camera", False)
        response.setdefault("Permissions-Policy", CAMERA_PERMISSIONS_POLICY if camera else PERMISSIONS_POLICY)
        return response
