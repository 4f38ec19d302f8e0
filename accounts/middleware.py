from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's profile language wins over cookie and Accept-Language.

    LocaleMiddleware has already picked a language for anonymous visitors; once
    someone logs in, the choice stored in their profile follows them to any device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
