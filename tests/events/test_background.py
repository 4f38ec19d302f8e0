import pytest
from django.core import mail

from events.models import Registration
from events.services.registrations import registration_create
from outbox.background import background_wait, run_in_background
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_confirmation_is_sent_after_the_response(settings, city):
    settings.EMAILS_IN_BACKGROUND_THREAD = True
    event = EventFactory(city=city, capacity=1)
    first, second = UserFactory(preferred_language="en"), UserFactory(preferred_language="en")

    confirmed = registration_create(event=event, user=first, consent_version="2026-11")
    # One at a time: the test database (in-memory SQLite) refuses a second writer outright.
    assert background_wait(timeout=60)
    waiting = registration_create(event=event, user=second, consent_version="2026-11")
    assert background_wait(timeout=60)

    assert (confirmed.status, waiting.status) == (Registration.Status.CONFIRMED, Registration.Status.WAITING)
    stored = OutgoingEmail.objects.filter(event=event)
    assert sorted(stored.values_list("template", "status")) == [
        ("registration_confirmed", "sent"),
        ("registration_waiting", "sent"),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])


@pytest.mark.django_db(transaction=True)
def test_a_failing_background_job_does_not_stop_the_next(caplog):
    done = []

    def broken():
        raise RuntimeError("template missing")

    run_in_background(broken, label="broken")
    run_in_background(lambda: done.append(True), label="fine")

    assert background_wait(timeout=60)
    assert done == [True]
    assert "Background job broken failed" in caplog.text


def test_a_short_job_waits_for_the_requests_in_flight_but_not_for_ever(monkeypatch):
    import threading
    import time

    from outbox import background

    ran = threading.Event()
    background.in_flight.started()
    try:
        run_in_background(ran.set, label="email")
        # A request is being answered: the email waits for the lull.
        assert not ran.wait(0.3)
    finally:
        background.in_flight.finished()
    assert ran.wait(5)
    assert background_wait(timeout=5)

    # Under a load that never pauses, it runs anyway once the cap has passed.
    monkeypatch.setattr(background, "YIELD_TO_REQUESTS_SECONDS", 0.2)
    late = threading.Event()
    background.in_flight.started()
    try:
        started = time.monotonic()
        run_in_background(late.set, label="email")
        assert late.wait(5)
        assert time.monotonic() - started >= 0.15
    finally:
        background.in_flight.finished()


def test_a_long_job_does_not_wait_for_requests():
    import threading

    from outbox import background

    ran = threading.Event()
    background.in_flight.started()
    try:
        run_in_background(ran.set, label="certificates", long=True)
        assert ran.wait(0.5)
    finally:
        background.in_flight.finished()
    assert background_wait(timeout=5)
