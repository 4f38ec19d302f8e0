"""Account emails (verification, password reset) leave through the site's email queue."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from events.models import OutgoingEmail


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
