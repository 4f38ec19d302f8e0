from django.urls import Resolver404, resolve
from django.utils import translation


def same_for_everyone(view):
    """Mark a view whose response does not depend on who asks (public calendar feeds).

    ``UserLanguageMiddleware`` then leaves the session and the user unread, so Django
    adds no ``Vary: Cookie`` and shared caches can keep one copy for everyone.
    """
    view.same_for_everyone = True
    return view


def _same_for_everyone(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "same_for_everyone", False)


class UserLanguageMiddleware:
    """A signed-in user's profile language wins over cookie and Accept-Language.

    LocaleMiddleware has already picked a language for anonymous visitors; once
    someone logs in, the choice stored in their profile follows them to any device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _same_for_everyone(request):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
