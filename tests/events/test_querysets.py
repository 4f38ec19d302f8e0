"""The read rules' one home: the QuerySets of events.models."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Attendance, Event, Registration, Session
from events.services.registrations import registration_cancel, registration_create
from tests.factories import EventFactory, RegistrationFactory, UserFactory


def register(event):
    return registration_create(event=event, user=UserFactory(), consent_version="2026-11")


@pytest.mark.django_db
def test_waiting_positions_in_one_query_match_the_single_count(django_assert_num_queries):
    event = EventFactory(capacity=1)
    first, second, third, fourth = (register(event) for _ in range(4))
    # A promotion leaves the promoted row's rank behind: it must not count as a position.
    registration_cancel(registration=first, actor=first.user)
    with django_assert_num_queries(1):
        positions = dict(Registration.objects.filter(event=event).with_waiting_position().values_list("pk", "waiting_pos"))
    assert positions == {first.pk: None, second.pk: None, third.pk: 1, fourth.pk: 2}
    for registration in Registration.objects.filter(event=event):
        assert registration.waiting_position() == positions[registration.pk]


@pytest.mark.django_db
def test_active_and_confirmed_select_by_status(event):
    rows = {status: RegistrationFactory(event=event, status=status, waiting_rank=1) for status in Registration.Status}
    assert set(Registration.objects.active()) == {rows["pending"], rows["confirmed"], rows["waiting"]}
    assert list(Registration.objects.confirmed()) == [rows["confirmed"]]


@pytest.mark.django_db
def test_the_public_feed_keeps_recent_cancellations_and_never_drafts():
    now = timezone.now()
    published = EventFactory()
    draft = EventFactory(status=Event.Status.DRAFT)
    recent = EventFactory(status=Event.Status.CANCELLED, cancelled_at=now - timedelta(days=29))
    old = EventFactory(status=Event.Status.CANCELLED, cancelled_at=now - timedelta(days=31))
    assert set(Event.objects.in_public_feed(now)) == {published, recent}
    assert draft not in Event.objects.in_public_feed(now) and old not in Event.objects.in_public_feed(now)


@pytest.mark.django_db
def test_seats_left_and_present_count():
    event = EventFactory(capacity=3, sessions=2)
    confirmed = RegistrationFactory(event=event)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    first = event.sessions.order_by("starts_at").first()
    Attendance.objects.create(session=first, registration=confirmed, present=True)
    listed = Event.objects.with_confirmed_count().get(pk=event.pk)
    assert listed.seats_left(listed.confirmed_count) == 2
    assert EventFactory(capacity=None).seats_left(10) is None
    assert event.seats_left(5) == 0
    counts = dict(Session.objects.filter(event=event).with_present_count().values_list("pk", "present_count"))
    assert sorted(counts.values()) == [0, 1]
