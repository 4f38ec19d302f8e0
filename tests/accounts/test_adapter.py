"""Account emails (verification, password reset) leave through the site's email queue."""

import pytest
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
