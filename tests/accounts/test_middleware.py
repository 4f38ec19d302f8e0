"""Which language a page is in: Accept-Language, then the switcher's cookie, and for users their profile."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_a_first_visit_follows_the_browsers_accept_language(client):
    response = client.get(reverse("account_login"), headers={"accept-language": "sv,en;q=0.5"})
    html = _html(response)
    assert '<html lang="sv" dir="ltr">' in html
    # Translated by allauth's own Swedish catalogue, so this holds before our .po files are filled.
    assert "Lösenord" in html


@pytest.mark.django_db
def test_an_unsupported_accept_language_falls_back_to_english(client):
    response = client.get(reverse("account_login"), headers={"accept-language": "tlh"})
    assert '<html lang="en" dir="ltr">' in _html(response)
    assert "Password" in _html(response)


@pytest.mark.django_db
def test_the_switchers_cookie_wins_over_accept_language_for_visitors(client):
    client.post(reverse("accounts:set_language"), {"language": "es", "next": "/"})
    response = client.get(reverse("account_login"), headers={"accept-language": "sv"})
    html = _html(response)
    assert '<html lang="es" dir="ltr">' in html
    assert "Contraseña" in html


@pytest.mark.django_db
def test_a_users_profile_language_wins_over_cookie_and_accept_language(client):
    user = UserFactory(preferred_language="sv")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.force_login(user)
    response = client.get(reverse("account_change_password"), headers={"accept-language": "en"})
    assert '<html lang="sv" dir="ltr">' in _html(response)
    assert "lösenord" in _html(response).lower()


@pytest.mark.django_db
def test_logging_in_on_a_new_device_brings_the_profile_language_along():
    user = UserFactory(preferred_language="es")
    browser = Client()
    browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = browser.get(reverse("accounts:profile"))
    assert '<html lang="es" dir="ltr">' in _html(response)
