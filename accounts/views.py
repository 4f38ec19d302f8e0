from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ProfileForm
from .services.users import user_regenerate_calendar_token, user_set_language, user_update_profile


@login_required
def profile(request):
    # A copy, so a refused form does not leave half-typed values on request.user for the rest of the page.
    form = ProfileForm(request.POST or None, instance=copy(request.user))
    if request.method == "POST" and form.is_valid():
        user_update_profile(
            user=request.user,
            full_name=form.cleaned_data["full_name"],
            preferred_language=form.cleaned_data["preferred_language"],
            works_for_city=form.cleaned_data.get("works_for_city"),
        )
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, request.user.preferred_language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def regenerate_calendar_token(request):
    user_regenerate_calendar_token(user=request.user)
    messages.success(request, _("Your private calendar link has been replaced. The old link no longer works."))
    return redirect("accounts:profile")


@require_POST
def set_language(request):
    """Remember the chosen language: a cookie for everyone, the profile for users."""
    lang = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if lang in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=lang)
        _set_language_cookie(response, lang)
    return response


def _set_language_cookie(response, lang):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        lang,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
