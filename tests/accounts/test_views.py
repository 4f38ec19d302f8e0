"""The account page and the language switcher."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.accounts.html import assert_site_page
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_account_page_needs_a_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_account_page_shows_the_name_as_it_will_be_printed(client):
    user = UserFactory(full_name="Søren Ólafsdóttir-Wąsowska")
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert_site_page(response)
    html = response.content.decode()
    assert 'value="Søren Ólafsdóttir-Wąsowska"' in html
    assert "Exactly as it must appear on your certificates" in html
    assert user.email in html


@pytest.mark.django_db
def test_saving_the_profile_keeps_the_name_and_sets_the_language_cookie(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "  Αθηνά   Παπαδοπούλου ", "preferred_language": "sv"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Αθηνά Παπαδοπούλου"
    assert user.preferred_language == "sv"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"
    # The confirmation is already in the new language.
    page = client.get(response["Location"])
    assert '<html lang="sv" dir="ltr">' in page.content.decode()


@pytest.mark.django_db
def test_a_blank_name_is_refused_with_a_message_and_nothing_changes(client):
    user = UserFactory(full_name="Ana María Núñez", preferred_language="en")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "   ", "preferred_language": "es"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    user.refresh_from_db()
    assert (user.full_name, user.preferred_language) == ("Ana María Núñez", "en")


@pytest.mark.django_db
def test_an_unknown_language_in_the_profile_form_is_refused(client, participant):
    client.force_login(participant)
    response = client.post(reverse("accounts:profile"), {"full_name": "Someone", "preferred_language": "xx"})
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.preferred_language == "en"


@pytest.mark.django_db
def test_switcher_remembers_a_visitors_choice_in_a_cookie_and_returns_to_the_page(client, event):
    response = client.post(
        reverse("accounts:set_language"), {"language": "sv", "next": event.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sv"
    assert '<html lang="sv" dir="ltr">' in client.get(event.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_switcher_saves_a_users_choice_to_the_profile_so_another_device_gets_it(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    client.post(reverse("accounts:set_language"), {"language": "es", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "es"

    other_device = Client()
    other_device.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert '<html lang="es" dir="ltr">' in other_device.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"])
def test_switcher_ignores_an_unsafe_next(client, unsafe):
    response = client.post(reverse("accounts:set_language"), {"language": "sv", "next": unsafe})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_switcher_ignores_an_unknown_language(client):
    response = client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/cities/"})
    assert response["Location"] == "/cities/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_switcher_only_accepts_post(client):
    assert client.get(reverse("accounts:set_language")).status_code == 405


@pytest.mark.django_db
def test_signup_stores_the_name_and_language_through_the_user_service():
    from accounts.forms import SignupForm
    from tests.factories import UserFactory

    user = UserFactory(full_name="", preferred_language="en")
    form = SignupForm(data={"full_name": "  Žaneta   Ķirse ", "preferred_language": "lv"})
    assert form.is_valid()
    form.signup(None, user)
    user.refresh_from_db()
    assert (user.full_name, user.preferred_language) == ("Žaneta Ķirse", "lv")
