"""Calendar invitations in emails: iTIP REQUEST and CANCEL that Outlook, Gmail and Apple Mail accept."""

from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events import ical
from events.invitations import calendar_mime_part, registration_invitation
from events.models import Event, Registration
from events.services.events import event_cancel, session_update
from events.services.registrations import registration_cancel, registration_create
from outbox.models import OutgoingEmail
from tests.events.calendar_support import assert_sessions_match, make_event, vevents
from tests.factories import RegistrationFactory, UserFactory

HOST = "events.example.org"
NOREPLY = "no-reply@events.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{HOST}"
    settings.EVENTS_NOREPLY_EMAIL = NOREPLY


def soon(days):
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def training(city):
    return make_event(city, [soon(3), soon(10), soon(17)], title="Training, módulo «1»; 🎉")


@pytest.fixture
def attendee():
    return UserFactory(full_name="Ana María, Ozoliņa")


def calendar_of(ics_text):
    return icalendar.Calendar.from_ical(ics_text)


def test_request_invites_the_participant_to_every_session(training, attendee):
    registration = RegistrationFactory(event=training, user=attendee)
    method, text = registration_invitation(registration=registration, method="REQUEST")
    assert method == "REQUEST"
    cal = calendar_of(text)
    assert str(cal["METHOD"]) == "REQUEST"
    events = cal.walk("VEVENT")
    assert len(events) == 3
    for vevent in events:
        assert str(vevent["ORGANIZER"]) == f"mailto:{NOREPLY}"
        attendee_prop = vevent["ATTENDEE"]
        assert str(attendee_prop) == f"mailto:{attendee.email}"
        assert attendee_prop.params["CN"] == "Ana María, Ozoliņa"
        assert attendee_prop.params["PARTSTAT"] == "ACCEPTED"
        assert attendee_prop.params["RSVP"] == "FALSE"
        assert str(vevent["STATUS"]) == "CONFIRMED"
    assert_sessions_match(text.encode(), training.sessions.all(), HOST)


def test_invitation_uses_the_same_uids_as_the_feeds(client, training, attendee):
    registration = RegistrationFactory(event=training, user=attendee)
    _method, text = registration_invitation(registration=registration, method="REQUEST")
    feed = client.get(reverse("calendars:personal_feed", kwargs={"token": attendee.calendar_token}))
    download = client.get(reverse("calendars:event_ics", kwargs={"pk": training.pk}))
    invited = [str(ev["UID"]) for ev in calendar_of(text).walk("VEVENT")]
    assert invited == [str(ev["UID"]) for ev in vevents(feed.content)]
    assert invited == [str(ev["UID"]) for ev in vevents(download.content)]


def test_cancel_takes_every_session_out(training, attendee):
    registration = RegistrationFactory(event=training, user=attendee)
    registration_cancel(registration=registration, actor=attendee)
    registration.refresh_from_db()
    method, text = registration_invitation(registration=registration, method="CANCEL")
    cal = calendar_of(text)
    assert method == "CANCEL" and str(cal["METHOD"]) == "CANCEL"
    for vevent in cal.walk("VEVENT"):
        assert str(vevent["STATUS"]) == "CANCELLED"
        assert vevent["ATTENDEE"].params["PARTSTAT"] == "DECLINED"


def test_sequence_goes_up_when_time_or_status_changes(training, attendee, organizer):
    registration = RegistrationFactory(event=training, user=attendee)

    def sequences():
        registration.refresh_from_db()
        registration.event.refresh_from_db()
        _method, text = registration_invitation(registration=registration, method="REQUEST")
        return {str(ev["UID"]): int(ev["SEQUENCE"]) for ev in calendar_of(text).walk("VEVENT")}

    before = sequences()
    session = training.sessions.order_by("starts_at").first()
    session_update(session=session, starts_at=session.starts_at + timedelta(hours=1),
                   ends_at=session.ends_at + timedelta(hours=1))
    moved = sequences()
    uid = ical.session_uid(session.pk, f"https://{HOST}")
    assert moved[uid] > before[uid]
    event_cancel(event=training, actor=organizer)
    registration.refresh_from_db()
    _method, text = registration_invitation(registration=registration, method="CANCEL")
    cancelled = {str(ev["UID"]): int(ev["SEQUENCE"]) for ev in calendar_of(text).walk("VEVENT")}
    assert all(cancelled[uid] > moved[uid] for uid in moved)


def test_draft_event_or_event_without_sessions_gives_no_invitation(city, attendee):
    draft = make_event(city, [soon(3)], status=Event.Status.DRAFT)
    assert registration_invitation(registration=RegistrationFactory.build(event=draft, user=attendee),
                                   method="REQUEST") is None
    empty = make_event(city, [])
    assert registration_invitation(registration=RegistrationFactory.build(event=empty, user=attendee),
                                   method="REQUEST") is None


def test_unknown_method_is_refused(training, attendee):
    with pytest.raises(ValueError):
        registration_invitation(registration=RegistrationFactory(event=training, user=attendee), method="PUBLISH")


def test_invitation_text_is_in_the_participants_language(training, attendee):
    attendee.preferred_language = "es"
    attendee.save(update_fields=["preferred_language"])
    registration = RegistrationFactory(event=training, user=attendee)
    _method, text = registration_invitation(registration=registration, method="REQUEST")
    assert calendar_of(text).walk("VEVENT")[0]["ATTENDEE"].params["CN"] == attendee.full_name


def test_mime_part_method_matches_the_method_inside(training, attendee):
    registration = RegistrationFactory(event=training, user=attendee)
    method, text = registration_invitation(registration=registration, method="CANCEL")
    part = calendar_mime_part(method, text)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    assert part.get_content_charset() == "utf-8"
    assert str(calendar_of(part.get_payload(decode=True))["METHOD"]) == "CANCEL"


def _calendar_parts(message):
    return [part for part in message.message().walk() if part.get_content_type() == "text/calendar"]


def _sent_to(user):
    return [m for m in mail.outbox if user.email in m.to]


def test_registration_email_carries_a_matching_request_then_cancel(
    training, attendee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(event=training, user=attendee, consent_version="2026-11")
    assert registration.status == Registration.Status.CONFIRMED
    (confirmation,) = _sent_to(attendee)
    (part,) = _calendar_parts(confirmation)
    body = part.get_payload(decode=True)
    assert part.get_param("method") == "REQUEST" == str(calendar_of(body)["METHOD"])
    assert len(vevents(body)) == 3
    stored = OutgoingEmail.objects.get(to_email=attendee.email, template="registration_confirmed")
    assert stored.calendar_method == "REQUEST"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, actor=attendee)
    (cancellation,) = _sent_to(attendee)
    (part,) = _calendar_parts(cancellation)
    body = part.get_payload(decode=True)
    assert part.get_param("method") == "CANCEL" == str(calendar_of(body)["METHOD"])
    assert {str(ev["STATUS"]) for ev in vevents(body)} == {"CANCELLED"}


def test_event_cancellation_email_carries_a_cancel_for_confirmed_participants(
    training, attendee, organizer, django_capture_on_commit_callbacks
):
    RegistrationFactory(event=training, user=attendee)
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event=training, actor=organizer)
    (message,) = _sent_to(attendee)
    (part,) = _calendar_parts(message)
    body = part.get_payload(decode=True)
    assert part.get_param("method") == "CANCEL" == str(calendar_of(body)["METHOD"])


def test_deleting_a_session_sends_a_cancel_for_its_uid_and_an_update_of_the_rest(
    training, attendee, django_capture_on_commit_callbacks
):
    from events.services.events import session_delete

    RegistrationFactory(event=training, user=attendee)
    waiting = RegistrationFactory(event=training, status=Registration.Status.WAITING, waiting_rank=1)
    first, second, third = training.sessions.order_by("starts_at")
    gone_uid = ical.session_uid(second.pk, f"https://{HOST}")
    with django_capture_on_commit_callbacks(execute=True):
        session_delete(session=second)

    messages = _sent_to(attendee)
    methods = {}
    for message in messages:
        (part,) = _calendar_parts(message)
        methods[part.get_param("method")] = part.get_payload(decode=True)
    assert set(methods) == {"CANCEL", "REQUEST"}
    (notice,) = [m for m in messages if "will not take place" in m.body]
    assert notice.subject.endswith("Session cancelled: %s" % training.title)

    (cancelled,) = vevents(methods["CANCEL"])
    assert str(calendar_of(methods["CANCEL"])["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == gone_uid
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > training.sequence + second.sequence

    remaining = {str(ev["UID"]) for ev in vevents(methods["REQUEST"])}
    assert remaining == {ical.session_uid(s.pk, f"https://{HOST}") for s in (first, third)}
    # Whoever is only waiting has nothing in their calendar to take out.
    assert not any(_calendar_parts(m) and "CANCEL" in str(_calendar_parts(m)[0].get_param("method"))
                   for m in _sent_to(waiting.user))


def test_invitation_is_an_alternative_of_the_text_and_replies_reach_the_citys_organizers(
    training, attendee, organizer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=training, user=attendee, consent_version="2026-11")
    (message,) = _sent_to(attendee)
    mime = message.message()

    alternative = next(part for part in mime.walk() if part.get_content_type() == "multipart/alternative")
    inside = [part.get_content_type() for part in alternative.get_payload()]
    assert inside == ["text/plain", "text/html", "text/calendar"]
    (calendar,) = _calendar_parts(message)
    assert calendar.get_param("method") == "REQUEST"
    # Only the one text/calendar, inside the alternative, not also attached beside it.
    assert sum(part.get_content_type() == "text/calendar" for part in mime.walk()) == 1

    assert organizer.email in mime["Reply-To"]
    assert attendee.email not in mime["Reply-To"]
