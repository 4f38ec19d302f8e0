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
    # The rows, then the positions of the waiting ones among them.
    with django_assert_num_queries(2):
        positions = {r.pk: r.waiting_pos for r in Registration.objects.filter(event=event).with_waiting_position()}
    assert positions == {first.pk: None, second.pk: None, third.pk: 1, fourth.pk: 2}
    for registration in Registration.objects.filter(event=event):
        assert registration.waiting_position() == positions[registration.pk]


@pytest.mark.django_db
def test_a_page_of_a_long_waiting_list_shows_each_row_its_own_position(django_assert_num_queries):
    event = EventFactory(capacity=1)
    people = [register(event) for _ in range(12)]
    registration_cancel(registration=people[4], actor=people[4].user)
    rows = Registration.objects.filter(event=event).order_by("created_at", "id").with_waiting_position()
    # However deep the page, two queries: its rows, and the positions of its waiting rows.
    with django_assert_num_queries(2):
        page = list(rows[8:11])
    expected = [Registration.objects.get(pk=r.pk).waiting_position() for r in page]
    assert [r.waiting_pos for r in page] == expected == [7, 8, 9]
    assert Registration.objects.filter(pk=people[0].pk).with_waiting_position().get().waiting_pos is None


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


@pytest.mark.django_db
def test_listing_counts_seats_and_sessions_of_the_fetched_events_only(django_assert_num_queries):
    events = [EventFactory(capacity=5, sessions=1 + n % 3) for n in range(6)]
    for n, event in enumerate(events):
        for _ in range(n):
            register(event)
    first = events[1]
    cancelled = Registration.objects.get(event=first)
    registration_cancel(registration=cancelled, actor=cancelled.user)
    listing = Event.objects.filter(pk__in=[e.pk for e in events]).for_listing().order_by("pk")
    # However deep the page: its rows (with their city), then one query for its counts.
    with django_assert_num_queries(2):
        page = list(listing[2:5])
    assert [(e.confirmed_count, e.session_count) for e in page] == [(2, 3), (3, 1), (4, 2)]
    with django_assert_num_queries(2):
        assert listing.get(pk=first.pk).confirmed_count == 0
    assert listing.count() == 6  # the paginator's count: a plain count, nothing fetched
    assert [e.confirmed_count for e in Event.objects.filter(pk__in=[e.pk for e in events]).with_confirmed_count()
            .order_by("-confirmed_count")] == [5, 4, 3, 2, 0, 0]


def test_language_names_follow_the_readers_language_and_the_filter_keeps_the_choice():
    from django.utils import translation

    from events.filters import EventFilterForm

    event = Event(language="uk")
    with translation.override("de"):
        assert event.get_language_display() == "Ukrainisch"
        german = str(EventFilterForm({"language": "uk"})["language"])
    with translation.override("es"):
        assert event.get_language_display() == "Ucraniano"
        spanish = str(EventFilterForm({"language": "sv"})["language"])
    assert '<option value="uk" selected>Ukrainisch</option>' in german
    assert '<option value="sv" selected>Sueco</option>' in spanish
    assert '<option value="uk" selected>' not in spanish
