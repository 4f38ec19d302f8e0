"""The email queue against a mail server that accepts connections and never answers."""

import socket
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends import smtp
from django.urls import reverse

from outbox.background import background_wait
from outbox.models import OutgoingEmail
from outbox.services.emails import email_retry_failed, email_send_now

TIMEOUT = 2  # EMAIL_TIMEOUT for these tests, seconds


@pytest.fixture
def tarpit():
    """A TCP server that accepts every connection and never sends a byte."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], held
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def smtp_to_tarpit(settings, tarpit, monkeypatch):
    port, held = tarpit
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = TIMEOUT
    settings.EMAILS_IN_BACKGROUND_THREAD = True
    opened_on = []
    real_open = smtp.EmailBackend.open

    def open_(self):
        opened_on.append(threading.current_thread().name)
        return real_open(self)

    monkeypatch.setattr(smtp.EmailBackend, "open", open_)
    return opened_on, held


def test_email_timeout_is_set_by_default():
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT == 10


SIGNUP = {
    "email": "tarpit@example.org",
    "full_name": "Ana Pérez",
    "preferred_language": "en",
    "password1": "a long enough passphrase 1",
    "password2": "a long enough passphrase 1",
}


@pytest.mark.django_db(transaction=True)
def test_signup_and_password_reset_answer_at_once_when_the_mail_server_never_answers(client, settings, smtp_to_tarpit):
    opened_on, held = smtp_to_tarpit
    request_thread = threading.current_thread().name

    started = time.monotonic()
    signup = client.post(reverse("account_signup"), SIGNUP)
    signup_took = time.monotonic() - started
    client.logout()
    started = time.monotonic()
    reset = client.post(reverse("account_reset_password"), {"email": SIGNUP["email"]})
    reset_took = time.monotonic() - started

    assert signup.status_code == 302 and reset.status_code == 302
    # Neither request waited for the mail server: no SMTP connection was opened in it,
    # and each answered before the mail server's timeout could have run out.
    assert request_thread not in opened_on
    assert signup_took < TIMEOUT and reset_took < TIMEOUT

    # The background sender gives up after EMAIL_TIMEOUT and records the failure...
    started = time.monotonic()
    assert background_wait(timeout=6 * TIMEOUT)
    assert time.monotonic() - started < 4 * TIMEOUT
    assert len(opened_on) == 2 and all(name.startswith("epi-background") for name in opened_on)
    assert held, "the tarpit saw the connections"
    rows = OutgoingEmail.objects.filter(to_email=SIGNUP["email"]).order_by("pk")
    assert [(row.template, row.status) for row in rows] == [
        ("account/email/email_confirmation_signup", "failed"),
        ("account/email/password_reset_key", "failed"),
    ]
    assert all("timed out" in row.last_error for row in rows)

    # ...which the resend sends once the mail server answers again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_retry_failed() == (2, 0)
    assert sorted(message.subject for message in mail.outbox) == sorted(row.subject for row in rows)
    assert "/accounts/password/reset/key/" in next(m.body for m in mail.outbox if "reset" in m.subject.lower())


@pytest.mark.django_db(transaction=True)
def test_a_worker_sending_to_a_silent_mail_server_gives_up_after_the_timeout(smtp_to_tarpit, participant):
    from outbox.tasks import send_outgoing_email

    row = OutgoingEmail.objects.create(
        user=participant, to_email=participant.email, template="t", language="en", subject="s", body_text="b"
    )
    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):  # smtplib's SMTPServerDisconnected is an OSError
        email_send_now(email_id=row.pk)
    assert time.monotonic() - started < 2 * TIMEOUT

    # The Celery task records it as failed on its last try; retry_failed_emails picks it up.
    send_outgoing_email.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == OutgoingEmail.Status.FAILED and row.attempts == 2
