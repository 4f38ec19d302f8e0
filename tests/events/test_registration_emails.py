from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from events.models import Registration
from events.services import notifications, registration_emails
from events.services.events import event_cancel, session_update
from events.services.registrations import (
    event_change_capacity,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_reject,
)
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, RegistrationFactory, UserFactory


class MailServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def calendars(monkeypatch):
    """Stand in for the calendar work: an invitation carrying the method it was asked for."""
    asked = []

    def fake(*, registration, method):
        asked.append((registration.pk, method))
        return method, f"BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nEND:VCALENDAR\r\n"

    # Where the services look it up.
    monkeypatch.setattr(registration_emails, "registration_invitation", fake)
    monkeypatch.setattr(notifications, "registration_invitation", fake)
    return asked


def register(event, user, **kwargs):
    return registration_create(event=event, user=user, consent_version="2026-11", **kwargs)


def local_day(event, language):
    """The first session's date as the recipient's locale writes it, in the city's zone."""
    start = timezone.localtime(event.sessions.first().starts_at, event.city.tzinfo)
    with translation.override(language):
        return formats.date_format(start, "DATE_FORMAT") + ", " + formats.time_format(start, "TIME_FORMAT")


def emails(template):
    return list(OutgoingEmail.objects.filter(template=template).order_by("pk"))


@pytest.fixture
def capacity_one(city):
    return EventFactory(city=city, title="Intercultural café", capacity=1)


# --------------------------------------------------------------------------- language and content


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "es"])
def test_confirmation_is_rendered_in_the_recipients_language_with_city_time(
    capacity_one, language, django_capture_on_commit_callbacks, calendars
):
    user = UserFactory(preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(capacity_one, user)
    [message] = emails("registration_confirmed")
    assert message.language == language
    assert message.to_email == user.email
    assert message.status == OutgoingEmail.Status.SENT
    assert local_day(capacity_one, language) in message.body_text
    assert local_day(capacity_one, language) in message.body_html
    assert local_day(capacity_one, "en") not in message.body_text
    assert "(Europe/Riga)" in message.body_text
    assert "Intercultural café" in message.subject
    assert "City Hall" in message.body_text
    assert capacity_one.get_absolute_url() in message.body_text
    assert reverse("registrations:my_registrations") in message.body_html
    assert f'lang="{language}"' in message.body_html
    assert (registration.pk, "REQUEST") in calendars
    assert message.calendar_method == "REQUEST"
    [sent] = mail.outbox
    assert sent.to == [user.email]
    assert "text/calendar" in {part.get_content_type() for part in sent.message().walk()}


@pytest.mark.django_db
def test_waiting_promoted_and_cancelled_emails(capacity_one, django_capture_on_commit_callbacks, calendars):
    first = UserFactory(preferred_language="es")
    second = UserFactory(preferred_language="sv")
    third = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        taken = register(capacity_one, first)
        register(capacity_one, second)
        register(capacity_one, third)
    waiting = emails("registration_waiting")
    assert [m.user for m in waiting] == [second, third]
    assert waiting[0].language == "sv"
    assert local_day(capacity_one, "sv") in waiting[0].body_text
    assert "in position 2" in waiting[1].body_text  # English: no translation to wait for
    assert waiting[0].calendar_method == ""

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=taken, actor=first)
    [cancelled] = emails("registration_cancelled")
    assert cancelled.user == first
    assert cancelled.language == "es"
    assert local_day(capacity_one, "es") in cancelled.body_text
    assert cancelled.calendar_method == "CANCEL"
    [promoted] = emails("registration_promoted")
    assert promoted.user == second
    assert promoted.language == "sv"
    assert promoted.calendar_method == "REQUEST"
    assert local_day(capacity_one, "sv") in promoted.body_text


@pytest.mark.django_db
def test_cancellation_says_who_cancelled_and_why(event, organizer, participant, django_capture_on_commit_callbacks):
    own = RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=own, actor=own.user)
    assert "is cancelled, as you asked" in emails("registration_cancelled")[0].body_text
    registration = RegistrationFactory(event=event, user=participant)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, actor=organizer, reason="The room is too small <sorry>")
    message = emails("registration_cancelled")[1]
    assert "The organizers have cancelled your registration" in message.body_text
    assert "The room is too small <sorry>" in message.body_text
    assert "The room is too small &lt;sorry&gt;" in message.body_html


@pytest.mark.django_db
def test_pending_approved_rejected_and_approved_onto_the_waiting_list(
    city, organizer, django_capture_on_commit_callbacks, calendars
):
    event = EventFactory(city=city, capacity=1, requires_approval=True)
    people = [UserFactory(preferred_language=lang) for lang in ("sv", "es", "en")]
    with django_capture_on_commit_callbacks(execute=True):
        pending = [register(event, person) for person in people]
    assert [m.language for m in emails("registration_pending")] == ["sv", "es", "en"]
    with django_capture_on_commit_callbacks(execute=True):
        registration_approve(registration=pending[0], actor=organizer, message="See you & welcome")
        registration_approve(registration=pending[1], actor=organizer)
        registration_reject(registration=pending[2], actor=organizer, message="Only for city staff")
    [approved] = emails("registration_approved")
    assert approved.user == people[0]
    assert "See you & welcome" in approved.body_text
    assert approved.calendar_method == "REQUEST"
    [waiting] = emails("registration_waiting")
    assert waiting.user == people[1]
    assert waiting.language == "es"
    [rejected] = emails("registration_rejected")
    assert "Only for city staff" in rejected.body_text
    assert rejected.calendar_method == ""  # never confirmed: no invitation to withdraw
    with django_capture_on_commit_callbacks(execute=True):
        registration_reject(registration=pending[0], actor=organizer, message="Seat needed for staff")
    withdrawn = emails("registration_rejected")[1]
    assert withdrawn.user == people[0]
    assert withdrawn.calendar_method == "CANCEL"
    # Its seat went to the person approved onto the waiting list.
    [promoted] = emails("registration_promoted")
    assert promoted.user == people[1]


@pytest.mark.django_db
def test_capacity_raise_emails_the_promoted(capacity_one, django_capture_on_commit_callbacks):
    RegistrationFactory(event=capacity_one)
    waiting = RegistrationFactory(event=capacity_one, status="waiting", waiting_rank=1)
    with django_capture_on_commit_callbacks(execute=True):
        event_change_capacity(event=capacity_one, capacity=2)
    assert [m.user for m in emails("registration_promoted")] == [waiting.user]


@pytest.mark.django_db
def test_event_changes_and_cancellation_reach_every_active_registration(
    capacity_one, organizer, django_capture_on_commit_callbacks, calendars
):
    confirmed = RegistrationFactory(event=capacity_one, user=UserFactory(preferred_language="sv"))
    waiting = RegistrationFactory(event=capacity_one, status="waiting", waiting_rank=1)
    RegistrationFactory(event=capacity_one, status="cancelled")
    session = capacity_one.sessions.first()
    with django_capture_on_commit_callbacks(execute=True):
        session_update(
            session=session,
            starts_at=session.starts_at + timedelta(hours=1),
            ends_at=session.ends_at + timedelta(hours=1),
            title=session.title,
            room="Room 2",
        )
    changed = emails("event_changed")
    assert sorted(m.user_id for m in changed) == sorted([confirmed.user_id, waiting.user_id])
    swedish = next(m for m in changed if m.user_id == confirmed.user_id)
    assert swedish.language == "sv"
    capacity_one.refresh_from_db()
    assert local_day(capacity_one, "sv") in swedish.body_text
    assert "Room 2" in swedish.body_text
    assert swedish.calendar_method == "REQUEST"

    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event=capacity_one, actor=organizer, reason="Venue flooded")
    cancelled = emails("event_cancelled")
    assert sorted(m.user_id for m in cancelled) == sorted([confirmed.user_id, waiting.user_id])
    assert all("Venue flooded" in m.body_text for m in cancelled)
    assert next(m for m in cancelled if m.user_id == confirmed.user_id).calendar_method == "CANCEL"
    assert next(m for m in cancelled if m.user_id == waiting.user_id).calendar_method == ""


# --------------------------------------------------------------------------- after commit only


@pytest.mark.django_db(transaction=True)
def test_emails_are_queued_only_after_commit_and_never_for_a_rolled_back_registration(capacity_one, participant):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        register(capacity_one, participant)
        assert not OutgoingEmail.objects.exists()
        raise Abort
    assert not Registration.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []

    with transaction.atomic():
        register(capacity_one, participant)
        assert not OutgoingEmail.objects.exists()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1


# --------------------------------------------------------------------------- mail server down


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_never_loses_a_registration_and_retry_sends_it(client, capacity_one, participant, settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    client.force_login(participant)
    response = client.post(reverse("registrations:register", args=[capacity_one.pk]), {"consent": "on"})
    assert response.status_code == 302
    assert Registration.objects.get(user=participant).status == "confirmed"
    message = OutgoingEmail.objects.get()
    assert message.status == OutgoingEmail.Status.FAILED
    assert "mail server down" in message.last_error
    assert message.attempts == 1

    call_command("retry_failed_emails")  # still down: stays failed, nothing lost
    message.refresh_from_db()
    assert message.status == OutgoingEmail.Status.FAILED
    assert message.attempts == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("retry_failed_emails")
    message.refresh_from_db()
    assert message.status == OutgoingEmail.Status.SENT
    assert message.last_error == ""
    assert [m.to for m in mail.outbox] == [[participant.email]]
    call_command("retry_failed_emails")
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_broken_broker_does_not_break_a_committed_registration(capacity_one, participant, monkeypatch, settings):
    from events import tasks
    from outbox import tasks as outbox_tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(outbox_tasks.send_outgoing_email, "delay", broker_down)
    monkeypatch.setattr(tasks.send_registration_email, "delay", broker_down)
    registration = register(capacity_one, participant)
    assert registration.status == "confirmed"
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED
    # A queued email whose send never happened is picked up by the retry command.
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(hours=1))
    call_command("retry_failed_emails", stuck_minutes=30)
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_first_emails_lost_with_a_killed_process_are_sent_by_the_retry_command(city, monkeypatch):
    from events.services import registrations as services

    event = EventFactory(city=city, title="Intercultural café", capacity=1)
    emailed = register(event, UserFactory())  # took the seat, and got its email
    other = EventFactory(city=city, capacity=0)
    with monkeypatch.context() as dying:
        dying.setattr(services, "mail_after_commit", lambda mails: None)  # the process dies here
        lost_waiting = register(event, UserFactory(preferred_language="es"))
        lost_then_cancelled = register(event, UserFactory())
        registration_cancel(registration=lost_then_cancelled, actor=lost_then_cancelled.user)
        lost_then_promoted = register(other, UserFactory())
    event_change_capacity(event=other, capacity=1)  # promoted, and told so
    fresh = register(EventFactory(city=city, capacity=1), UserFactory())
    OutgoingEmail.objects.exclude(user=emailed.user).delete()
    mail.outbox.clear()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Registration.objects.exclude(pk=fresh.pk).update(created_at=an_hour_ago)
    Registration.objects.filter(pk__in=[emailed.pk, lost_waiting.pk]).update(updated_at=an_hour_ago)
    OutgoingEmail.objects.update(created_at=an_hour_ago)

    call_command("retry_failed_emails", stuck_minutes=30)

    # Only the waiting registration that never got its email: not the one that did, not
    # those changed since (what changed them sent its own email), not one made a moment ago.
    assert [m.to for m in mail.outbox] == [[lost_waiting.user.email]]
    sent = OutgoingEmail.objects.get(template="registration_waiting")
    assert sent.language == "es"
    assert "Intercultural café" in sent.subject
    assert "Está en la lista de espera, en la posición 1." in sent.body_text
    assert Registration.objects.get(pk=lost_then_promoted.pk).status == "confirmed"
    call_command("retry_failed_emails", stuck_minutes=30)
    assert len(mail.outbox) == 1


# --------------------------------------------------------------------------- reminders


@pytest.mark.django_db
def test_reminders_go_once_to_confirmed_participants_of_sessions_within_a_day(city, django_capture_on_commit_callbacks):
    soon = EventFactory(city=city, title="Soon", sessions=1, sessions__start=timezone.now() + timedelta(hours=20))
    later = EventFactory(city=city, title="Later", sessions=1, sessions__start=timezone.now() + timedelta(days=3))
    confirmed = RegistrationFactory(event=soon, user=UserFactory(preferred_language="es"))
    RegistrationFactory(event=soon, status="waiting", waiting_rank=1)
    RegistrationFactory(event=soon, status="cancelled")
    RegistrationFactory(event=later)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    [reminder] = emails("reminder")
    assert reminder.user == confirmed.user
    assert reminder.language == "es"
    assert local_day(soon, "es") in reminder.body_text
    assert reminder.dedupe_key == f"reminder:{confirmed.pk}:{soon.sessions.first().pk}"
    assert len(mail.outbox) == 1
    confirmed.refresh_from_db()
    assert confirmed.reminder_sent_at is not None


@pytest.mark.django_db
def test_no_reminders_for_cancelled_events(city, organizer):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() + timedelta(hours=2))
    RegistrationFactory(event=event)
    event_cancel(event=event, actor=organizer)
    assert notifications.reminders_send() == 0


@pytest.mark.django_db
def test_each_session_of_a_series_gets_its_own_reminder(city):
    start = timezone.now() + timedelta(hours=1)
    event = EventFactory(city=city, sessions=1, sessions__start=start)
    from events.services.events import session_create

    session_create(event=event, starts_at=start + timedelta(hours=5), ends_at=start + timedelta(hours=6))
    RegistrationFactory(event=event)
    assert notifications.reminders_send() == 2
    assert notifications.reminders_send() == 0


def test_reminders_are_scheduled_periodically(settings):
    from config.settings import CELERY_BEAT_SCHEDULE

    assert any(entry["task"] == "events.tasks.send_reminders" for entry in CELERY_BEAT_SCHEDULE.values())


@pytest.mark.django_db(transaction=True)
def test_with_workers_the_request_hands_over_ids_and_the_worker_renders_and_sends(
    capacity_one, participant, organizer, monkeypatch, settings
):
    import json

    from events import tasks
    from outbox import tasks as outbox_tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    handed_over = []
    monkeypatch.setattr(tasks.send_registration_email, "delay", lambda **kw: handed_over.append(("reg", kw)))
    monkeypatch.setattr(tasks.notify_registrations, "delay", lambda **kw: handed_over.append(("event", kw)))
    monkeypatch.setattr(outbox_tasks.send_outgoing_email, "delay", lambda pk: handed_over.append(("send", pk)))
    participant.preferred_language = "sv"
    participant.save()

    register(capacity_one, participant)
    event_cancel(event=capacity_one, actor=organizer, reason="Storm")
    assert not OutgoingEmail.objects.exists()  # nothing rendered in the request
    assert [kind for kind, _ in handed_over] == ["reg", "event"]
    for _, payload in handed_over:
        json.dumps(payload)  # only plain values cross to the worker

    # What the worker then does with them:
    tasks.send_registration_email(**handed_over[0][1])
    tasks.notify_registrations(**handed_over[1][1])
    rendered = {m.template: m for m in OutgoingEmail.objects.all()}
    assert set(rendered) == {"registration_confirmed", "event_cancelled"}
    assert all(m.language == "sv" for m in rendered.values())
    assert "Storm" in rendered["event_cancelled"].body_text
    assert [kind for kind, _ in handed_over[2:]] == ["send", "send"]


@pytest.mark.django_db
def test_leaving_the_waiting_list_sends_no_calendar_cancellation(capacity_one, django_capture_on_commit_callbacks):
    RegistrationFactory(event=capacity_one)
    waiting = RegistrationFactory(event=capacity_one, status="waiting", waiting_rank=1)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=waiting, actor=waiting.user)
    [message] = emails("registration_cancelled")
    assert message.calendar_method == ""
    assert not emails("registration_promoted")
