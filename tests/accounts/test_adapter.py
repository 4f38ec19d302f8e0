"""Account emails (verification, password reset) leave through the site's email queue."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import User
from outbox.models import OutgoingEmail
from tests.factories import UserFactory


class _BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server is down")


@pytest.mark.django_db
def test_signup_succeeds_when_the_mail_server_is_down_and_the_email_waits_for_a_retry(client, settings, monkeypatch):
    monkeypatch.setattr("django.core.mail.get_connection", lambda *a, **k: _BrokenBackend())
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "ana@example.org",
                "full_name": "Ana Pérez",
                "preferred_language": "es",
                "password1": "a long enough passphrase 1",
                "password2": "a long enough passphrase 1",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="ana@example.org")
    queued = OutgoingEmail.objects.get(to_email=user.email)
    assert queued.status == OutgoingEmail.Status.FAILED
    assert "mail server is down" in queued.last_error
    assert queued.language == "es"
    assert mail.outbox == []


# --------------------------------------------------------------------------- secrets are not kept


def _stored_columns(row: OutgoingEmail) -> list[str]:
    return [str(getattr(row, f.attname)) for f in OutgoingEmail._meta.concrete_fields]


def _whole_database() -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def _reset_link(body: str) -> str:
    import re

    return re.search(r"https?://\S+/accounts/password/reset/key/\S+", body).group(0)


def _key_of(link: str) -> str:
    # /accounts/password/reset/key/<uidb36>-<key>/ : the part after the uid opens the account.
    return link.rstrip("/").rsplit("/", 1)[1].split("-", 1)[1]


@pytest.mark.django_db
def test_a_sent_password_reset_keeps_its_key_in_no_row_and_no_admin_page(client, participant):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": participant.email})
    (sent,) = mail.outbox
    link = _reset_link(sent.body)
    key = _key_of(link)

    row = OutgoingEmail.objects.get(to_email=participant.email)
    assert row.status == OutgoingEmail.Status.SENT and row.is_secret
    assert key not in _whole_database()
    assert "[hidden]" in row.body_text  # the stored copy says where the link was

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (
        reverse("admin:outbox_outgoingemail_changelist"),
        reverse("admin:outbox_outgoingemail_changelist") + "?q=" + participant.email,
        reverse("admin:outbox_outgoingemail_change", args=[row.pk]),
        reverse("admin:outbox_outgoingemail_history", args=[row.pk]),
        reverse("admin:accounts_user_change", args=[participant.pk]),
    ):
        response = admin.get(url)
        assert response.status_code == 200
        assert key not in response.content.decode()

    # The person still receives a working link.
    page = Client().get(link, follow=True)
    assert page.status_code == 200
    assert page.context.get("token_fail") is not True


@pytest.mark.django_db
def test_a_secret_email_that_failed_keeps_its_key_hidden_from_the_admin_until_the_resend(client, participant, monkeypatch):
    from outbox.services.emails import email_retry_failed

    monkeypatch.setattr("django.core.mail.get_connection", lambda *a, **k: _BrokenBackend())
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": participant.email})
    row = OutgoingEmail.objects.get(to_email=participant.email)
    assert row.status == OutgoingEmail.Status.FAILED
    key = _key_of(_reset_link(row.secret_text))  # waiting for the resend, and only there
    assert key not in row.body_text

    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert key not in admin.get(reverse("admin:outbox_outgoingemail_change", args=[row.pk])).content.decode()

    monkeypatch.undo()
    assert email_retry_failed() == (1, 0)
    (sent,) = mail.outbox
    assert _key_of(_reset_link(sent.body)) == key
    row.refresh_from_db()
    assert row.status == OutgoingEmail.Status.SENT
    assert not any(key in column for column in _stored_columns(row))


@pytest.mark.django_db
def test_the_signup_confirmation_link_is_masked_in_the_stored_copy(client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account_signup"), _SIGNUP)
    (sent,) = mail.outbox
    link = next(word for word in sent.body.split() if "/accounts/confirm-email/" in word)
    key = link.split("/accounts/confirm-email/", 1)[1].split("/", 1)[0]
    row = OutgoingEmail.objects.get(to_email=_SIGNUP["email"])
    assert row.is_secret and row.status == OutgoingEmail.Status.SENT
    assert not any(key in column for column in _stored_columns(row))


_SIGNUP = {
    "email": "tarpit@example.org",
    "full_name": "Ana Pérez",
    "preferred_language": "en",
    "password1": "a long enough passphrase 1",
    "password2": "a long enough passphrase 1",
}


@pytest.mark.django_db
def test_a_login_code_is_masked_in_the_stored_copy_and_delivered_whole(participant):
    from accounts.adapter import AccountAdapter

    with TestCase.captureOnCommitCallbacks(execute=True):
        AccountAdapter().send_mail("account/email/login_code", participant.email, {"user": participant, "code": "QX7-PL2-ZK9"})
    (sent,) = mail.outbox
    assert "QX7-PL2-ZK9" in sent.body
    row = OutgoingEmail.objects.get(to_email=participant.email)
    assert row.is_secret and not any("QX7-PL2-ZK9" in column for column in _stored_columns(row))


@pytest.mark.django_db
def test_an_account_email_without_a_key_is_stored_as_written(participant):
    from accounts.adapter import AccountAdapter

    with TestCase.captureOnCommitCallbacks(execute=True):
        AccountAdapter().send_mail("account/email/password_changed", participant.email, {"user": participant})
    row = OutgoingEmail.objects.get(to_email=participant.email)
    assert not row.is_secret and row.body_text == mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "thanks"),
    [("en", "Hello from EPI Events!", "Thank you for using EPI Events!"), ("es", "¡Hola de parte de EPI Events!", "¡Gracias por usar EPI Events!")],
)
def test_account_emails_name_the_site_in_the_recipients_language(client, settings, language, greeting, thanks):
    from tests.factories import UserFactory

    settings.SITE_URL = "https://events.epi.example"
    user = UserFactory(email="rosa@example.org", preferred_language=language)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    (message,) = mail.outbox
    assert message.subject.startswith("[EPI Events] ")
    assert greeting in message.body
    assert thanks in message.body
    assert "events.epi.example" in message.body
    assert " from !" not in message.body and "using !" not in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_language_greets_with_the_sites_name(client, language):
    from django.utils import translation

    from tests.factories import UserFactory

    user = UserFactory(email="rosa@example.org", preferred_language=language)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    (message,) = mail.outbox
    with translation.override(language):
        name = translation.gettext("EPI Events")
    assert name in message.subject
    # Greeting and closing both carry it (allauth's catalogues translate the sentences around it).
    assert message.body.count(name) >= 2, message.body
