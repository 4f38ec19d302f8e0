from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from events.models import Event, Registration, Session
from events.services import events as services
from events.services import notifications
from events.services.registrations import RegistrationError
from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

RIGA = ZoneInfo("Europe/Riga")


def riga(*args) -> datetime:
    return datetime(*args, tzinfo=RIGA)


@pytest.fixture
def notified(monkeypatch):
    """Which event ids participants were told about, per kind of news."""
    calls = {"changed": [], "cancelled": []}
    monkeypatch.setattr(notifications, "event_changed_notify", lambda *, event_id: calls["changed"].append(event_id))
    monkeypatch.setattr(
        notifications,
        "event_cancelled_notify",
        lambda *, event_id, reason="": calls["cancelled"].append((event_id, reason)),
    )
    return calls


def test_duplicate_is_a_draft_with_sessions_moved_on_the_city_clock(city, organizer):
    # Two weeks across the end of winter time: 10:00 in Riga must stay 10:00, not become 11:00.
    trainer = UserFactory()
    event = EventFactory(
        city=city, sessions=0, capacity=20,
        registration_opens_at=riga(2026, 3, 1, 9, 0), registration_closes_at=riga(2026, 3, 20, 18, 0),
    )
    event.trainers.add(trainer)
    SessionFactory(event=event, title="Bias", starts_at=riga(2026, 3, 23, 10, 0), ends_at=riga(2026, 3, 23, 12, 30), room="A1")
    SessionFactory(event=event, title="Practice", starts_at=riga(2026, 3, 24, 10, 0), ends_at=riga(2026, 3, 24, 12, 0))
    RegistrationFactory(event=event)

    copy = services.event_duplicate(event=event, actor=organizer, shift=timedelta(weeks=2))

    assert copy.pk != event.pk
    assert copy.status == Event.Status.DRAFT
    assert copy.title == event.title
    assert copy.capacity == 20
    assert copy.created_by == organizer
    assert list(copy.trainers.all()) == [trainer]
    assert not copy.registrations.exists()
    sessions = list(copy.sessions.order_by("starts_at"))
    assert [(s.title, s.room) for s in sessions] == [("Bias", "A1"), ("Practice", "")]
    assert [timezone.localtime(s.starts_at, RIGA).replace(tzinfo=None) for s in sessions] == [
        datetime(2026, 4, 6, 10, 0), datetime(2026, 4, 7, 10, 0),
    ]
    assert timezone.localtime(sessions[0].ends_at, RIGA).replace(tzinfo=None) == datetime(2026, 4, 6, 12, 30)
    assert copy.starts_at == sessions[0].starts_at
    assert copy.ends_at == sessions[1].ends_at
    assert timezone.localtime(copy.registration_closes_at, RIGA).replace(tzinfo=None) == datetime(2026, 4, 3, 18, 0)
    # The original is untouched.
    assert event.sessions.count() == 2
    assert event.registrations.count() == 1


def test_duplicate_without_shift_keeps_the_dates(city, organizer):
    event = EventFactory(city=city, sessions=2)

    copy = services.event_duplicate(event=event, actor=organizer)

    assert list(copy.sessions.values_list("starts_at", flat=True)) == list(
        event.sessions.values_list("starts_at", flat=True)
    )


def test_cancel_keeps_the_event_and_its_registrations_and_bumps_the_sequence(event, organizer, notified, django_capture_on_commit_callbacks):
    registration = RegistrationFactory(event=event)
    before = Event.objects.get(pk=event.pk).sequence
    session_sequence = event.sessions.get().sequence

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.event_cancel(event=event, actor=organizer, reason="Storm warning")

    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    assert event.sequence == before + 1
    assert event.sessions.get().sequence == session_sequence + 1
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert notified["cancelled"] == [(event.pk, "Storm warning")]


def test_cancelling_twice_changes_nothing_more(event, organizer, notified, django_capture_on_commit_callbacks):
    services.event_cancel(event=event, actor=organizer)
    sequence = Event.objects.get(pk=event.pk).sequence

    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, actor=organizer)

    assert Event.objects.get(pk=event.pk).sequence == sequence
    assert notified["cancelled"] == []


def test_a_draft_cannot_be_cancelled_into_the_public_programme(city, organizer):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)

    with pytest.raises(services.EventError, match="Only a published event"):
        services.event_cancel(event=draft, actor=organizer)

    assert Event.objects.get(pk=draft.pk).status == Event.Status.DRAFT


def test_publish_needs_a_session(city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT, sessions=0)

    with pytest.raises(services.EventError, match="at least one session"):
        services.event_publish(event=draft)

    SessionFactory(event=draft)
    services.event_publish(event=draft)
    assert draft.status == Event.Status.PUBLISHED
    assert Event.objects.get(pk=draft.pk).status == Event.Status.PUBLISHED


def test_a_cancelled_event_cannot_be_published_again(event, organizer):
    services.event_cancel(event=event, actor=organizer)

    with pytest.raises(services.EventError, match="cancelled"):
        services.event_publish(event=event)


def test_session_changes_refresh_the_event_dates(city):
    event = EventFactory(city=city, sessions=0, status=Event.Status.DRAFT)
    assert event.starts_at is None

    first = services.session_create(event=event, starts_at=riga(2026, 5, 4, 10), ends_at=riga(2026, 5, 4, 12))
    second = services.session_create(event=event, starts_at=riga(2026, 5, 11, 14), ends_at=riga(2026, 5, 11, 16))
    stored = Event.objects.get(pk=event.pk)
    assert (stored.starts_at, stored.ends_at) == (riga(2026, 5, 4, 10), riga(2026, 5, 11, 16))

    services.session_update(session=first, starts_at=riga(2026, 5, 5, 9), ends_at=riga(2026, 5, 5, 11))
    stored = Event.objects.get(pk=event.pk)
    assert (stored.starts_at, stored.ends_at) == (riga(2026, 5, 5, 9), riga(2026, 5, 11, 16))

    services.session_delete(session=second)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.starts_at, stored.ends_at) == (riga(2026, 5, 5, 9), riga(2026, 5, 5, 11))
    assert (event.starts_at, event.ends_at) == (stored.starts_at, stored.ends_at)

    services.session_delete(session=first)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.starts_at, stored.ends_at) == (None, None)


@pytest.mark.parametrize("change", ["create", "rename", "delete a middle one", "sessions form"])
def test_every_session_change_is_a_change_of_its_event(city, change, monkeypatch):
    """Public feeds fingerprint events only (events/views/calendar.py): a session change must move the event."""
    event = EventFactory(city=city, sessions=3)
    sessions = list(event.sessions.order_by("starts_at"))
    middle = sessions[1]
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    if change == "create":
        services.session_create(event=event, starts_at=middle.starts_at + timedelta(days=1),
                                ends_at=middle.ends_at + timedelta(days=1))
    elif change == "rename":
        services.session_update(session=middle, starts_at=middle.starts_at, ends_at=middle.ends_at, title="Module 2")
    elif change == "delete a middle one":
        services.session_delete(session=middle)
    else:
        services.event_sessions_save(
            event=event, edits=[services.SessionEdit(pk=middle.pk, delete=True)]
        )
    stored = Event.objects.get(pk=event.pk)
    assert (stored.starts_at, stored.ends_at) == (event.starts_at, event.ends_at)  # no span moved
    assert stored.updated_at == later


def test_moving_a_session_bumps_its_sequence_and_the_event_sequence(event):
    session = event.sessions.get()
    before = Event.objects.get(pk=event.pk).sequence

    services.session_update(
        session=session, starts_at=session.starts_at + timedelta(hours=1), ends_at=session.ends_at + timedelta(hours=1)
    )

    assert Session.objects.get(pk=session.pk).sequence == 1
    assert Event.objects.get(pk=event.pk).sequence == before + 1


def test_renaming_a_session_tells_nobody(event, notified, django_capture_on_commit_callbacks):
    session = event.sessions.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=session, starts_at=session.starts_at, ends_at=session.ends_at, title="New name")

    assert Session.objects.get(pk=session.pk).sequence == 0
    assert notified["changed"] == []


def test_one_edit_moving_place_and_sessions_sends_one_change_notice(event, notified, django_capture_on_commit_callbacks):
    SessionFactory(event=event, starts_at=event.starts_at + timedelta(days=1))
    sessions = list(event.sessions.all())

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.event_update(event=event, venue_name="Library")
        for session in sessions:
            services.session_update(
                session=session, starts_at=session.starts_at + timedelta(hours=2), ends_at=session.ends_at + timedelta(hours=2)
            )

    assert notified["changed"] == [event.pk]


def test_a_rolled_back_change_notifies_nobody_and_the_next_one_does(event, notified, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                services.event_update(event=event, venue_name="Library")
                raise RuntimeError
        except RuntimeError:
            pass
        services.event_update(event=event, venue_name="Town hall")

    assert notified["changed"] == [event.pk]


def test_update_without_a_real_place_change_keeps_the_sequence(city, notified, django_capture_on_commit_callbacks):
    event = EventFactory(city=city, latitude=Decimal("56.950000"), longitude=Decimal("24.100000"))
    event.refresh_from_db()
    before = event.sequence

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, latitude=Decimal("56.95"), longitude=Decimal("24.1"), title="Renamed")

    stored = Event.objects.get(pk=event.pk)
    assert stored.title == "Renamed"
    assert stored.sequence == before
    assert notified["changed"] == []


def test_moving_the_venue_of_a_published_event_bumps_sequences_and_notifies(event, notified, django_capture_on_commit_callbacks):
    before = Event.objects.get(pk=event.pk).sequence

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, venue_address="Brīvības iela 49")

    assert Event.objects.get(pk=event.pk).sequence == before + 1
    assert event.sessions.get().sequence == 1
    assert notified["changed"] == [event.pk]


def test_update_does_not_overwrite_dates_moved_by_a_session_change(event):
    stale = Event.objects.get(pk=event.pk)
    session = event.sessions.get()
    services.session_update(session=session, starts_at=session.starts_at + timedelta(days=1), ends_at=session.ends_at + timedelta(days=1))

    services.event_update(event=stale, title="Renamed")

    stored = Event.objects.get(pk=event.pk)
    assert stored.starts_at == session.starts_at
    assert stored.title == "Renamed"


def test_capacity_below_confirmed_is_refused_and_nothing_changes(city):
    event = EventFactory(city=city, capacity=5)
    RegistrationFactory.create_batch(3, event=event)

    with pytest.raises(RegistrationError, match="3 confirmed"):
        services.event_update(event=event, capacity=2, title="Renamed")

    stored = Event.objects.get(pk=event.pk)
    assert (stored.capacity, stored.title) == (5, event.title)

    services.event_update(event=event, capacity=3)
    assert Event.objects.get(pk=event.pk).capacity == 3


def test_create_sets_trainers_and_starts_as_a_draft(city, organizer):
    trainer = UserFactory()

    event = services.event_create(
        city=city, created_by=organizer, trainers=[trainer],
        kind=Event.Kind.TRAINING, area=Event.Area.GOVERNANCE, title="Intercultural competence", language="lv",
    )

    assert event.status == Event.Status.DRAFT
    assert list(event.trainers.all()) == [trainer]
    assert event.created_by == organizer


def test_unknown_fields_are_a_programming_error(city, organizer):
    with pytest.raises(TypeError):
        services.event_create(city=city, created_by=organizer, status="published", title="x")


@pytest.mark.django_db
def test_saving_a_sessions_form_removes_changes_and_adds_in_one_go():
    event = EventFactory(sessions=2)
    first, second = event.sessions.order_by("starts_at")
    later = second.starts_at + timedelta(days=7)
    saved = services.event_sessions_save(
        event=event,
        edits=[
            services.SessionEdit(pk=first.pk, delete=True),
            services.SessionEdit(pk=second.pk, values={"starts_at": second.starts_at, "ends_at": second.ends_at, "room": "B2"}),
            services.SessionEdit(pk=None, values={"starts_at": later, "ends_at": later + timedelta(hours=1)}),
            services.SessionEdit(pk=999_999, delete=True),  # removed by someone else meanwhile
        ],
    )
    assert [s.room for s in saved.updated] == ["B2"] and len(saved.created) == 1 and len(saved.deleted) == 1
    event.refresh_from_db()
    assert list(event.sessions.values_list("room", flat=True)) == ["B2", ""]
    assert (event.starts_at, event.ends_at) == (second.starts_at, later + timedelta(hours=1))


@pytest.mark.django_db(transaction=True)
def test_entry_point_services_refuse_to_run_inside_another_transaction():
    event = EventFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.event_duplicate(event=event, actor=UserFactory())
