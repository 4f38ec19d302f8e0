"""The public API: what a city website reads without a token."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from events.services.registrations import registration_create
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("api:event_list")


def test_lists_published_and_cancelled_events_with_sessions_never_drafts(api, city):
    shown = EventFactory(city=city, title="Open day", sessions=2)
    EventFactory(city=city, title="Secret plan", status=Event.Status.DRAFT)
    EventFactory(city=city, title="Called off", status=Event.Status.CANCELLED)
    data = api.get(EVENTS).json()
    titles = [row["title"] for row in data["results"]]
    assert titles == ["Open day", "Called off"] or set(titles) == {"Open day", "Called off"}
    row = next(r for r in data["results"] if r["id"] == shown.pk)
    assert len(row["sessions"]) == 2
    assert row["city"] == "riga"
    assert row["url"].endswith(shown.get_absolute_url())


def test_never_shows_the_meeting_link_or_seat_counts(api, city):
    event = EventFactory(
        city=city, venue_address="", online_url="https://meet.example/secret-room", online_note="Link by email",
        capacity=10,
    )
    RegistrationFactory.create_batch(3, event=event)
    body = api.get(EVENTS).content.decode() + api.get(reverse("api:event_detail", args=[event.pk])).content.decode()
    assert "secret-room" not in body
    row = api.get(reverse("api:event_detail", args=[event.pk])).json()
    assert row["online"] is True
    assert row["seats"] == "available"
    assert "capacity" not in row and "confirmed_count" not in row


@pytest.mark.parametrize(
    ("capacity", "confirmed", "open_", "bucket"),
    [(None, 3, True, "available"), (100, 20, True, "available"), (100, 92, True, "few_left"),
     (10, 6, True, "few_left"), (5, 5, True, "waiting_list"), (5, 5, False, "full")],
)
def test_seats_are_a_bucket(api, city, capacity, confirmed, open_, bucket):
    closes = None if open_ else timezone.now() - timedelta(hours=1)
    event = EventFactory(city=city, capacity=capacity, registration_closes_at=closes)
    if closes:
        Event.objects.filter(pk=event.pk).update(registration_opens_at=closes - timedelta(days=1))
    RegistrationFactory.create_batch(confirmed, event=event)
    assert api.get(reverse("api:event_detail", args=[event.pk])).json()["seats"] == bucket


def test_filters_like_the_list_page(api, city, other_city):
    riga = EventFactory(city=city, kind=Event.Kind.TRAINING, area=Event.Area.GOVERNANCE)
    EventFactory(city=other_city, kind=Event.Kind.LAUNCH)
    ids = lambda q: [r["id"] for r in api.get(EVENTS, q).json()["results"]]  # noqa: E731
    assert ids({"city": "riga"}) == [riga.pk]
    assert ids({"kind": "training"}) == [riga.pk]
    assert ids({"area": "governance"}) == [riga.pk]
    far = (timezone.now() + timedelta(days=60)).date().isoformat()
    assert ids({"date_from": far}) == []


def test_invalid_filter_is_a_translated_400(api, city):
    response = api.get(EVENTS, {"kind": "party"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert "kind" in response.json()
    response = api.get(EVENTS, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 400
    response = api.get(EVENTS, {"modified_since": "yesterday"})
    assert response.status_code == 400 and response.json()["modified_since"]


def test_modified_since(api, city):
    old = EventFactory(city=city)
    Event.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    old.sessions.update(updated_at=timezone.now() - timedelta(days=3))
    new = EventFactory(city=city)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["id"] for r in api.get(EVENTS, {"modified_since": since}).json()["results"]] == [new.pk]


def test_language_parameter_picks_labels_and_falls_back_for_texts(api, city):
    event = EventFactory(city=city, kind=Event.Kind.WORKSHOP, title="Runde Tisch", language="de")
    row = api.get(reverse("api:event_detail", args=[event.pk]), {"lang": "de"}).json()
    assert row["kind_label"] != "Workshop / round table"
    assert row["title"] == "Runde Tisch" and row["text_language"] == "de"
    en = api.get(reverse("api:event_detail", args=[event.pk]), {"lang": "en"}).json()
    assert en["kind_label"] == "Workshop / round table"
    everything = api.get(reverse("api:event_detail", args=[event.pk]), {"lang": "all"}).json()
    assert everything["translations"]["de"]["title"] == "Runde Tisch"


def test_cursor_pagination(api, city):
    events = [EventFactory(city=city, sessions=1, sessions__start=timezone.now() + timedelta(days=i + 1)) for i in range(5)]
    first = api.get(EVENTS, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [e.pk for e in events[:2]]
    second = api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [e.pk for e in events[2:4]]


def test_etag_and_304(api, city, participant, django_capture_on_commit_callbacks):
    event = EventFactory(city=city)
    first = api.get(EVENTS)
    etag = first["ETag"]
    again = api.get(EVENTS, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    with django_capture_on_commit_callbacks(execute=True):  # the seat bucket may have changed
        registration_create(event=event, user=participant, consent_version="v1")
    assert api.get(EVENTS, HTTP_IF_NONE_MATCH=etag).status_code == 200
    detail = api.get(reverse("api:event_detail", args=[event.pk]))
    assert api.get(reverse("api:event_detail", args=[event.pk]), HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_cors_for_get(api, city):
    response = api.get(reverse("api:city_list"), HTTP_ORIGIN="https://www.riga.lv")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" not in response["Access-Control-Allow-Headers"]
    preflight = api.options(EVENTS, HTTP_ORIGIN="https://www.riga.lv", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_answers_429_with_retry_after(api, city, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "3/min", "token": "9/min"}}
    statuses = [api.get(reverse("api:city_list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(reverse("api:city_list"), HTTP_ACCEPT_LANGUAGE="de")
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"]


def test_event_list_costs_a_fixed_number_of_queries(api, city):
    EventFactory.create_batch(2, city=city, sessions=2)
    with CaptureQueriesContext(connection) as few:
        api.get(EVENTS)
    EventFactory.create_batch(8, city=city, sessions=3)
    with CaptureQueriesContext(connection) as many:
        response = api.get(EVENTS)
    assert len(response.json()["results"]) == 10
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as not_modified:
        assert api.get(EVENTS, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert len(not_modified) < len(many)


def test_cities(api, city, other_city):
    data = api.get(reverse("api:city_list")).json()
    assert [c["slug"] for c in data] == ["ravenna", "riga"]
    assert api.get(reverse("api:city_detail", args=["riga"])).json()["timezone"] == "Europe/Riga"


def test_text_search_is_the_list_pages_across_languages(api, client, city):
    wanted = EventFactory(city=city, title="Open day", translations={"de": {"title": "Tag der offenen Tür"}})
    EventFactory(city=city, title="Round table")
    found = [r["id"] for r in api.get(EVENTS, {"q": "offenen"}).json()["results"]]
    assert found == [wanted.pk]
    page = client.get(reverse("events:event_list"), {"q": "offenen"}).content.decode()
    assert "Open day" in page and "Round table" not in page  # the page finds the same
