"""The public programme: home, cities, the filterable event list and the event page."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Registration
from events.services.events import event_cancel
from tests.factories import CityFactory, EventFactory, RegistrationFactory, SessionFactory, UserFactory

RIGA = ZoneInfo("Europe/Riga")


def titles(response) -> list[str]:
    return [event.title for event in response.context["events"]]


def assert_fixed_queries(client, url, grow, django_assert_max_num_queries):
    """The page costs no more queries after ``grow()`` made the data ten times bigger."""
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


# Home and cities --------------------------------------------------------------------------------------------------


def test_home_lists_upcoming_events_of_every_city_but_no_drafts_or_past(client, city, other_city):
    EventFactory(city=city, title="Riga launch")
    EventFactory(city=other_city, title="Ravenna round table", sessions__start=timezone.now() + timedelta(days=3))
    EventFactory(city=city, title="Secret draft", status=Event.Status.DRAFT)
    EventFactory(city=city, title="Last year", sessions__start=timezone.now() - timedelta(days=365))

    response = client.get(reverse("events:home"))

    assert titles(response) == ["Ravenna round table", "Riga launch"]


def test_a_cancelled_event_stays_listed_and_marked(client, event, organizer):
    event_cancel(event=event, actor=organizer)

    page = client.get(reverse("events:home")).content.decode()

    assert event.title in page
    assert "badge-cancelled" in page


def test_city_list_names_every_city_and_its_zone(client, city, other_city):
    page = client.get(reverse("events:city_list")).content.decode()

    assert "Riga" in page and "Europe/Riga" in page
    assert "Ravenna" in page and "Europe/Rome" in page


def test_city_page_shows_its_own_upcoming_events(client, city, other_city):
    EventFactory(city=city, title="Riga launch")
    EventFactory(city=other_city, title="Ravenna round table")

    response = client.get(city.get_absolute_url())

    assert titles(response) == ["Riga launch"]
    assert "Europe/Riga" in response.content.decode()


def test_city_narrative_from_an_organizer_cannot_run_script(client, city):
    city.narrative = (
        "We build **trust** between neighbours.\n\n"
        "<script>alert('narrative')</script>\n\n"
        "[Our plan](javascript:alert('link')) and [the EPI site](https://www.epi-project.eu/)\n\n"
        '<a href="javascript:alert(1)" onclick="alert(2)">raw link</a> <img src=x onerror="alert(3)">'
    )
    city.save()

    page = client.get(city.get_absolute_url()).content.decode()

    assert "<strong>trust</strong>" in page
    assert 'href="https://www.epi-project.eu/"' in page
    assert "alert(" not in page
    assert "javascript:" not in page
    assert "onerror" not in page and "onclick" not in page


def test_unknown_city_is_404(client, db):
    assert client.get(reverse("events:city_detail", args=["atlantis"])).status_code == 404


# Event list and its filters ---------------------------------------------------------------------------------------


@pytest.fixture
def programme(city, other_city):
    """Four events spread over cities, kinds, areas, languages and dates."""
    base = timezone.now().replace(microsecond=0) + timedelta(days=10)
    return {
        "riga_training": EventFactory(
            city=city, title="Riga training", kind=Event.Kind.TRAINING, area=Event.Area.GOVERNANCE, language="lv",
            sessions__start=base,
        ),
        "riga_launch": EventFactory(
            city=city, title="Riga launch", kind=Event.Kind.LAUNCH, area=Event.Area.INTERACTION, language="en",
            sessions__start=base + timedelta(days=30),
        ),
        "ravenna_workshop": EventFactory(
            city=other_city, title="Ravenna workshop", kind=Event.Kind.WORKSHOP, area=Event.Area.PARTICIPATION,
            language="it", sessions__start=base + timedelta(days=1),
        ),
        "ravenna_past": EventFactory(
            city=other_city, title="Ravenna past", kind=Event.Kind.WORKSHOP, area=Event.Area.PARTICIPATION,
            language="it", sessions__start=base - timedelta(days=60),
        ),
    }


def test_event_list_shows_upcoming_events_by_date(client, programme):
    response = client.get(reverse("events:event_list"))

    assert titles(response) == ["Riga training", "Ravenna workshop", "Riga launch"]
    assert "3 events found." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"city": "riga"}, ["Riga training", "Riga launch"]),
        ({"kind": "workshop"}, ["Ravenna workshop"]),
        ({"area": "governance"}, ["Riga training"]),
        ({"language": "en"}, ["Riga launch"]),
        ({"city": "ravenna", "kind": "workshop"}, ["Ravenna workshop"]),
        ({"city": "riga", "language": "it"}, []),
    ],
)
def test_event_list_filters(client, programme, query, expected):
    assert titles(client.get(reverse("events:event_list"), query)) == expected


def test_event_list_date_range_includes_past_events_when_asked(client, programme):
    start = timezone.localtime(programme["ravenna_past"].starts_at).date()

    response = client.get(
        reverse("events:event_list"), {"date_from": start.isoformat(), "date_to": (start + timedelta(days=1)).isoformat()}
    )

    assert titles(response) == ["Ravenna past"]


def test_a_date_is_the_chosen_citys_day(client, city):
    # 00:30 on 5 June in Riga is still 4 June in UTC.
    EventFactory(
        city=city, title="Midnight walk", sessions__start=datetime(2030, 6, 5, 0, 30, tzinfo=RIGA)
    )

    on_the_day = client.get(reverse("events:event_list"), {"city": "riga", "date_from": "2030-06-05", "date_to": "2030-06-05"})
    day_before = client.get(reverse("events:event_list"), {"city": "riga", "date_from": "2030-06-04", "date_to": "2030-06-04"})

    assert titles(on_the_day) == ["Midnight walk"]
    assert titles(day_before) == []


def test_an_inverted_date_range_is_explained_not_a_crash(client, programme):
    response = client.get(reverse("events:event_list"), {"date_from": "2030-05-10", "date_to": "2030-05-01"})

    assert response.status_code == 200
    assert "The end of the date range is before its start." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday"},
        {"date_to": "2030-02-30"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"city": "atlantis"},
        {"kind": "party"},
        {"language": "<script>"},
        {"page": "last"},
        {"page": "9999"},
        {"page": "-1"},
    ],
)
def test_bad_filter_input_never_breaks_the_list(client, programme, query):
    response = client.get(reverse("events:event_list"), query)

    assert response.status_code == 200


def test_out_of_range_dates_say_which_range_is_allowed(client, programme):
    page = client.get(reverse("events:event_list"), {"date_to": "9999-12-31"}).content.decode()

    assert "Choose a date between 2000-01-01 and 2100-12-31." in page


def test_pagination_keeps_the_filters(client, city, other_city):
    start = timezone.now() + timedelta(days=1)
    for i in range(25):
        EventFactory(city=city, title=f"Riga {i:02d}", sessions__start=start + timedelta(hours=i))
    EventFactory.create_batch(3, city=other_city)

    first = client.get(reverse("events:event_list"), {"city": "riga", "kind": "launch"})
    page = first.content.decode()
    next_link = re.search(r'href="\?([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    second = client.get(reverse("events:event_list") + "?" + next_link)

    assert "Page 1 of 2" in page
    assert "25 events found." in page
    assert {"city=riga", "kind=launch", "page=2"} <= set(next_link.split("&"))
    assert titles(second) == [f"Riga {i:02d}" for i in range(20, 25)]
    previous_link = re.search(r'href="\?([^"]+)" rel="prev"', second.content.decode()).group(1)
    assert "city=riga" in previous_link


# Event page -------------------------------------------------------------------------------------------------------


def test_event_page_shows_sessions_on_the_city_clock_with_the_zone_name(client, city):
    event = EventFactory(city=city, sessions=0)
    SessionFactory(event=event, starts_at=datetime(2030, 3, 5, 10, 0, tzinfo=RIGA), ends_at=datetime(2030, 3, 5, 12, 30, tzinfo=RIGA))

    page = client.get(event.get_absolute_url()).content.decode()

    # 10:00 in Riga is 08:00 UTC; only the machine-readable attribute may say so.
    assert ">Tuesday 5 March 2030, 10:00–12:30 EET (Europe/Riga)</time>" in page


def test_event_page_has_venue_map_online_note_trainers_and_seats(client, city):
    event = EventFactory(
        city=city, capacity=12, venue_name="Riga City Council", venue_address="Rātslaukums 1",
        latitude=Decimal("56.947500"), longitude=Decimal("24.106200"),
        online_url="https://meet.example.org/epi", online_note="The link is sent the day before.",
    )
    event.trainers.add(UserFactory(full_name="Ilze Bērziņa"))
    RegistrationFactory.create_batch(4, event=event)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)

    page = client.get(event.get_absolute_url()).content.decode()

    assert "Riga City Council" in page and "Rātslaukums 1" in page
    assert "https://www.openstreetmap.org/?mlat=56.947500&amp;mlon=24.106200" in page
    assert "The link is sent the day before." in page
    assert "https://meet.example.org/epi" not in page  # for registered participants only
    assert "Ilze Bērziņa" in page
    assert "8 seats left" in page


def test_event_page_without_a_seat_limit_says_so(client, event):
    assert "No seat limit" in client.get(event.get_absolute_url()).content.decode()


def test_a_draft_is_404_to_the_public_and_visible_to_its_organizer(client, city, organizer):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(organizer)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft: only organizers can see this page." in response.content.decode()


def test_unknown_event_is_404(client, db):
    assert client.get(reverse("events:event_detail", args=[424242])).status_code == 404


def test_the_page_language_changes_dates_but_not_the_zone(client, city):
    event = EventFactory(city=city, sessions=0)
    SessionFactory(event=event, starts_at=datetime(2030, 3, 5, 10, 0, tzinfo=RIGA), ends_at=datetime(2030, 3, 5, 12, 0, tzinfo=RIGA))

    page = client.get(event.get_absolute_url(), headers={"accept-language": "sv"}).content.decode()

    assert "10:00" in page
    assert "Europe/Riga" in page
    assert "mars" in page


# A fixed number of queries, whatever the amount of data -----------------------------------------------------------


def test_home_costs_the_same_with_3_or_30_events(client, city, django_assert_max_num_queries):
    EventFactory.create_batch(3, city=city)

    assert_fixed_queries(
        client, reverse("events:home"),
        lambda: EventFactory.create_batch(27, city=CityFactory()),
        django_assert_max_num_queries,
    )


def test_city_page_costs_the_same_with_3_or_30_events(client, city, django_assert_max_num_queries):
    EventFactory.create_batch(3, city=city, sessions=2)

    assert_fixed_queries(
        client, city.get_absolute_url(),
        lambda: EventFactory.create_batch(27, city=city, sessions=2),
        django_assert_max_num_queries,
    )


def test_event_list_costs_the_same_with_3_or_30_events(client, city, other_city, django_assert_max_num_queries):
    def grow():
        for event in EventFactory.create_batch(27, city=other_city):
            RegistrationFactory(event=event)

    EventFactory.create_batch(3, city=city)

    assert_fixed_queries(client, reverse("events:event_list") + "?kind=launch", grow, django_assert_max_num_queries)


def test_event_page_costs_the_same_with_3_or_30_sessions_trainers_and_registrations(
    client, city, participant, django_assert_max_num_queries
):
    event = EventFactory(city=city, sessions=3, capacity=100)
    event.trainers.add(*UserFactory.create_batch(3))
    RegistrationFactory.create_batch(3, event=event)
    client.force_login(participant)

    def grow():
        start = event.starts_at
        for i in range(27):
            SessionFactory(event=event, starts_at=start + timedelta(days=30 + i))
        event.trainers.add(*UserFactory.create_batch(27))
        RegistrationFactory.create_batch(27, event=event)

    assert_fixed_queries(client, event.get_absolute_url(), grow, django_assert_max_num_queries)


@pytest.mark.django_db
def test_language_of_delivery_is_named_in_the_readers_language(client, city):
    from tests.factories import EventFactory

    event = EventFactory(city=city, language="lv")
    page = client.get(event.get_absolute_url(), headers={"accept-language": "sv"}).content.decode()
    assert "Lettiska" in page
    page = client.get(event.get_absolute_url(), headers={"accept-language": "es"}).content.decode()
    assert "Letón" in page
