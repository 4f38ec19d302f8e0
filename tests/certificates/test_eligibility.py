from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.services.eligibility import eligible_registrations, hours_from, registrations_with_attendance
from events.models import Attendance, Registration, Session
from tests.factories import EventFactory, RegistrationFactory


def _past_event(city, sessions, *, hours=2, eligibility_percent=None, future=0):
    """An event whose ``sessions`` sessions ended last weeks, plus ``future`` sessions to come."""
    event = EventFactory(city=city, sessions=0, eligibility_percent=eligibility_percent)
    start = timezone.now() - timedelta(days=7 * sessions + 1)
    for i in range(sessions):
        s = start + timedelta(days=7 * i)
        Session.objects.create(event=event, starts_at=s, ends_at=s + timedelta(hours=hours))
    for i in range(future):
        s = timezone.now() + timedelta(days=7 * (i + 1))
        Session.objects.create(event=event, starts_at=s, ends_at=s + timedelta(hours=hours))
    return event


def _attend(registration, sessions, present=True):
    for session in sessions:
        Attendance.objects.create(session=session, registration=registration, present=present)


def _eligible_ids(event):
    return set(eligible_registrations(event=event).values_list("pk", flat=True))


@pytest.mark.django_db
def test_exactly_75_percent_is_eligible_and_74_is_not(city):
    event = _past_event(city, 4)
    sessions = list(event.sessions.all())
    three = RegistrationFactory(event=event)
    _attend(three, sessions[:3])
    two = RegistrationFactory(event=event)
    _attend(two, sessions[:2])
    assert _eligible_ids(event) == {three.pk}

    strict = _past_event(city, 100, hours=1, eligibility_percent=75)
    many = list(strict.sessions.all())
    at_75 = RegistrationFactory(event=strict)
    _attend(at_75, many[:75])
    at_74 = RegistrationFactory(event=strict)
    _attend(at_74, many[:74])
    assert _eligible_ids(strict) == {at_75.pk}


@pytest.mark.django_db
def test_two_of_three_sessions_rounds_neither_up_nor_down(city):
    event = _past_event(city, 3)  # default 75 %
    sessions = list(event.sessions.all())
    two = RegistrationFactory(event=event)
    _attend(two, sessions[:2])
    assert _eligible_ids(event) == set()

    event.eligibility_percent = 66
    event.save()
    assert _eligible_ids(event) == {two.pk}
    event.eligibility_percent = 67
    event.save()
    assert _eligible_ids(event) == set()


@pytest.mark.django_db
def test_one_session_event_needs_full_attendance(city):
    event = _past_event(city, 1)
    present = RegistrationFactory(event=event)
    _attend(present, event.sessions.all())
    RegistrationFactory(event=event)
    assert _eligible_ids(event) == {present.pk}


@pytest.mark.django_db
def test_absence_marked_explicitly_does_not_count(city):
    event = _past_event(city, 4)
    sessions = list(event.sessions.all())
    registration = RegistrationFactory(event=event)
    _attend(registration, sessions[:2])
    _attend(registration, sessions[2:], present=False)
    row = registrations_with_attendance(event=event).get(pk=registration.pk)
    assert row.attended_sessions == 2
    assert row.ended_sessions == 4
    assert not row.is_eligible


@pytest.mark.django_db
def test_cancelled_registrations_are_never_eligible(city):
    event = _past_event(city, 2)
    registration = RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    _attend(registration, event.sessions.all())
    assert _eligible_ids(event) == set()


@pytest.mark.django_db
def test_future_sessions_count_on_neither_side(city):
    event = _past_event(city, 3, future=2)  # five sessions: default is 75 % of those that ended
    past = list(event.sessions.filter(ends_at__lte=timezone.now()))
    future = list(event.sessions.filter(ends_at__gt=timezone.now()))
    early_bird = RegistrationFactory(event=event)
    _attend(early_bird, past[:2] + future)  # present at a future session: a mistake that must not help
    complete = RegistrationFactory(event=event)
    _attend(complete, past)
    rows = {r.pk: r for r in registrations_with_attendance(event=event)}
    assert rows[early_bird.pk].attended_sessions == 2
    assert rows[complete.pk].ended_sessions == 3
    assert _eligible_ids(event) == {complete.pk}


@pytest.mark.django_db
def test_event_without_sessions_has_nobody_eligible(city):
    event = _past_event(city, 0)
    RegistrationFactory(event=event)
    assert _eligible_ids(event) == set()


@pytest.mark.django_db
def test_event_whose_sessions_are_all_to_come_has_nobody_eligible(city):
    event = EventFactory(city=city)
    registration = RegistrationFactory(event=event)
    _attend(registration, event.sessions.all())
    assert _eligible_ids(event) == set()


@pytest.mark.django_db
def test_hours_are_the_sum_of_attended_session_durations(city):
    event = _past_event(city, 4, hours=1)
    sessions = list(event.sessions.all())
    Session.objects.filter(pk=sessions[0].pk).update(ends_at=sessions[0].starts_at + timedelta(hours=2, minutes=30))
    registration = RegistrationFactory(event=event)
    _attend(registration, sessions[:3])
    row = eligible_registrations(event=event).get()
    assert hours_from(row.attended_duration) == Decimal("4.50")


@pytest.mark.django_db
def test_eligibility_is_one_query_whatever_the_group_size(city):
    event = _past_event(city, 3)
    sessions = list(event.sessions.all())
    for _ in range(12):
        _attend(RegistrationFactory(event=event), sessions)
    with CaptureQueriesContext(connection) as queries:
        rows = list(eligible_registrations(event=event))
        names = [row.user.display_name for row in rows]
    assert len(names) == 12
    assert len(queries) == 1


def test_hours_from_rounds_to_hundredths():
    assert hours_from(None) == Decimal("0.00")
    assert hours_from(timedelta(minutes=20)) == Decimal("0.33")
    assert hours_from(timedelta(hours=7, minutes=30)) == Decimal("7.50")
