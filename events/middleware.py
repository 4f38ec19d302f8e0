"""Refuse addresses that carry control characters before any view or query sees them."""

from django.urls import get_resolver

from events.validation import URL_CONTROL_CHARACTERS


class ControlCharacterMiddleware:
    """A control character (NUL, line break, …) in a path answers 404, in a query string 400.

    No page of the site has such a character in its address, and PostgreSQL refuses NUL
    bytes in text, so letting one through would only turn a typo or a probe into a 500.
    The answers are the site's own translated 404 and 400 pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if URL_CONTROL_CHARACTERS.search(request.path_info):
            return self._error(request, 404)
        for key, values in request.GET.lists():
            if URL_CONTROL_CHARACTERS.search(key) or any(URL_CONTROL_CHARACTERS.search(v) for v in values):
                return self._error(request, 400)
        return self.get_response(request)

    @staticmethod
    def _error(request, status: int):
        handler = get_resolver().resolve_error_handler(status)
        return handler(request, exception=None)
