"""Every allauth page looks like the rest of the site, and the account flows work end to end."""

import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import User
from tests.accounts.html import assert_site_page
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new Passphrase 2026"


def _link_in_last_mail(pattern: str) -> str:
    """The path and query of the first link in the newest email matching ``pattern``."""
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^\s]*" + pattern + r"[^\s]*", body)
    assert match, body
    parts = urlsplit(match.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _hidden(html: str, name: str) -> str | None:
    """A hidden field of the page's own form (the header's language switcher has a ``next`` too)."""
    html = html[html.index("<main") :]
    match = re.search(r'<input type="hidden" name="%s" value="([^"]*)"' % re.escape(name), html)
    return match.group(1).replace("&amp;", "&") if match else None


def _login(client, email, password=PASSWORD, next_url=None):
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    # Account emails leave through the queue after commit; run those callbacks as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("account_login"), data)


def _signup(client, email, next_url=None, **fields):
    data = {
        "email": email,
        "full_name": "Zoë Łukasiewicz-Ștefănescu",
        "preferred_language": "sv",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    if next_url:
        data["next"] = next_url
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("account_signup"), data)


def _is_logged_in_as(client, user) -> bool:
    return client.session.get(SESSION_KEY) == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, kwargs",
    [
        ("account_login", {}),
        ("account_signup", {}),
        ("account_email_verification_sent", {}),
        ("account_reset_password", {}),
        ("account_reset_password_done", {}),
        ("account_reset_password_from_key", {"uidb36": "1", "key": "bad-key"}),
        ("account_confirm_email", {"key": "not-a-real-key"}),
    ],
)
def test_anonymous_account_pages_render_inside_the_site_layout(client, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 200
    assert_site_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["account_change_password", "account_email", "mfa_index", "account_logout", "accounts:profile"]
)
def test_account_management_pages_render_inside_the_site_layout(client, participant, url_name):
    client.force_login(participant)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_site_page(response)
    assert reverse("accounts:profile") in response.content.decode()


@pytest.mark.django_db
def test_signup_asks_for_full_name_and_language_and_keeps_them_exactly(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="full_name"' in page
    assert "certificates" in page
    assert 'name="preferred_language"' in page

    response = _signup(client, "Zoe@Example.org")

    assert response.status_code == 302
    user = User.objects.get(email="zoe@example.org")
    assert user.full_name == "Zoë Łukasiewicz-Ștefănescu"
    assert user.preferred_language == "sv"


@pytest.mark.django_db
def test_signup_with_a_blank_name_explains_what_is_missing(client):
    response = _signup(client, "blank@example.org", full_name="   ")
    assert response.status_code == 200
    assert not User.objects.filter(email="blank@example.org").exists()
    assert "This field is required." in response.content.decode()


@pytest.mark.django_db
def test_verification_email_is_written_in_the_new_users_language(client):
    _signup(client, "sv@example.org", preferred_language="sv")
    assert len(mail.outbox) == 1
    # Django's own Swedish catalogue, not ours: allauth's subject for the confirmation mail.
    assert "Bekräfta" in mail.outbox[0].subject or "bekräfta" in mail.outbox[0].body


@pytest.mark.django_db
def test_login_is_refused_until_the_email_address_is_verified(client):
    _signup(client, "new@example.org")
    user = User.objects.get(email="new@example.org")

    other_browser = Client()
    response = _login(other_browser, "new@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not _is_logged_in_as(other_browser, user)
    assert not EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_signup_then_email_verification_returns_to_the_registration_form(client, event):
    """An anonymous visitor sent to log in from an event's form signs up and comes back to it."""
    form_url = event.get_absolute_url() + "#register"
    login_page = client.get(reverse("account_login") + "?" + urlencode({"next": form_url})).content.decode()
    # The login page's "sign up" link keeps the destination.
    assert reverse("account_signup") + "?" + urlencode({"next": form_url}) in login_page.replace("&amp;", "&")
    signup_page = client.get(reverse("account_signup") + "?" + urlencode({"next": form_url})).content.decode()
    assert _hidden(signup_page, "next") == form_url

    response = _signup(client, "visitor@example.org", next_url=form_url)
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="visitor@example.org")
    assert not _is_logged_in_as(client, user)

    confirm_url = _link_in_last_mail("/accounts/confirm-email/")
    confirm_page = client.get(confirm_url)
    assert_site_page(confirm_page)
    next_field = _hidden(confirm_page.content.decode(), "next")
    response = client.post(urlsplit(confirm_url).path, {"next": next_field} if next_field else {})

    assert response.status_code == 302
    assert response["Location"] == form_url
    assert _is_logged_in_as(client, user)
    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_verification_link_opened_in_another_browser_still_leads_back_after_login(client, event):
    form_url = event.get_absolute_url()
    _signup(client, "phone@example.org", next_url=form_url)
    user = User.objects.get(email="phone@example.org")

    phone = Client()
    confirm_url = _link_in_last_mail("/accounts/confirm-email/")
    next_field = _hidden(phone.get(confirm_url).content.decode(), "next")
    response = phone.post(urlsplit(confirm_url).path, {"next": next_field} if next_field else {})

    assert response.status_code == 302
    assert not _is_logged_in_as(phone, user)
    login_url = response["Location"]
    assert urlsplit(login_url).path == reverse("account_login")
    login_page = phone.get(login_url).content.decode()
    response = _login(phone, "phone@example.org", next_url=_hidden(login_page, "next"))
    assert response["Location"] == form_url
    assert _is_logged_in_as(phone, user)


@pytest.mark.django_db
def test_login_honours_a_local_next_and_ignores_a_foreign_one(client, participant, event):
    response = _login(client, participant.email, next_url=event.get_absolute_url())
    assert response["Location"] == event.get_absolute_url()

    client.logout()
    response = _login(client, participant.email, next_url="https://evil.example/steal")
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_wrong_password_gives_a_clear_message(client, participant):
    response = _login(client, participant.email, password="not it")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not _is_logged_in_as(client, participant)


@pytest.mark.django_db
def test_password_reset_by_email_lets_the_user_log_in_with_the_new_password(client, participant):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": participant.email})
    assert response["Location"] == reverse("account_reset_password_done")
    reset_url = _link_in_last_mail("/accounts/password/reset/key/")

    # allauth moves the key out of the URL into the session before showing the form.
    page = client.get(reset_url, follow=True)
    assert_site_page(page)
    response = client.post(page.redirect_chain[-1][0] if page.redirect_chain else reset_url, {
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    })
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert not _is_logged_in_as(Client(), participant)
    fresh = Client()
    assert _login(fresh, participant.email, password=PASSWORD).status_code == 200
    _login(fresh, participant.email, password=NEW_PASSWORD)
    assert _is_logged_in_as(fresh, participant)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")


@pytest.mark.django_db
@pytest.mark.parametrize("is_staff", [True, False])
def test_users_can_turn_on_an_authenticator_app_and_login_then_asks_for_it(client, settings, is_staff):
    # One step either side absorbs a 30-second boundary falling between generating and posting the code.
    settings.MFA_TOTP_TOLERANCE = 1
    user = UserFactory(is_staff=is_staff)
    _login(client, user.email)

    # allauth asks for the password again before any two-factor change, then carries on.
    response = client.get(reverse("mfa_index"))
    assert reverse("mfa_activate_totp") in response.content.decode()
    response = client.get(reverse("mfa_activate_totp"))
    assert urlsplit(response["Location"]).path == reverse("account_reauthenticate")
    reauth_page = client.get(response["Location"])
    assert_site_page(reauth_page)
    response = client.post(
        response["Location"], {"password": PASSWORD, "next": _hidden(reauth_page.content.decode(), "next")}
    )
    assert response["Location"] == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert_site_page(page)
    html = page.content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', html).group(1)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Next come the recovery codes, to print or store.
    assert_site_page(client.get(response["Location"]))

    browser = Client()
    response = _login(browser, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _is_logged_in_as(browser, user)
    assert_site_page(browser.get(reverse("mfa_authenticate")))
