"""Refuse addresses that carry control characters before any view or query sees them."""

from django.core.exceptions import BadRequest
from django.http import Http404

from events.validation import URL_CONTROL_CHARACTERS


class ControlCharacterMiddleware:
    """A control character (NUL, line break, …) in a path answers 404, in a query string 400.

    No page of the site has such a character in its address, and PostgreSQL refuses NUL
    bytes in text, so letting one through would only turn a typo or a probe into a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if URL_CONTROL_CHARACTERS.search(request.path_info):
            raise Http404("control character in path")
        for key, values in request.GET.lists():
            if URL_CONTROL_CHARACTERS.search(key) or any(URL_CONTROL_CHARACTERS.search(v) for v in values):
                raise BadRequest("control character in query string")
        return self.get_response(request)
