"""Calendar files and feeds over HTTP, and the pages that link to them."""

import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from events import ical
from events.models import Event, Registration, Session
from events.services.events import (
    event_cancel,
    event_publish,
    event_update,
    session_create,
    session_delete,
    session_update,
)
from events.services.registrations import event_change_capacity, registration_cancel
from tests.events.calendar_support import (
    RIGA,
    assert_sessions_match,
    dst_events,
    local,
    make_cartagena,
    make_event,
    physical_lines,
    vevents,
)
from tests.factories import RegistrationFactory, UserFactory

HOST = "events.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{HOST}"


@pytest.fixture
def cartagena(db):
    return make_cartagena()


def uids(response) -> list[str]:
    return [str(ev["UID"]) for ev in vevents(response.content)]


def feed_url(name, **kwargs):
    return reverse(f"calendars:{name}", kwargs=kwargs)


def personal_url(user, query=""):
    return feed_url("personal_feed", token=user.calendar_token) + query


def in_days(days, hour=10):
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- an event's .ics


def test_event_download_has_one_vevent_per_session_at_the_right_instants(client, city, cartagena):
    riga_event, cartagena_event = dst_events(city, cartagena)
    for event in (riga_event, cartagena_event):
        response = client.get(feed_url("event_ics", pk=event.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Disposition"].endswith(f'-{event.pk}.ics"')
        assert b"METHOD" not in response.content
        assert_sessions_match(response.content, event.sessions.all(), HOST)


def test_draft_event_download_is_hidden_from_the_public_but_not_from_its_organizers(
    client, city, participant, organizer
):
    draft = make_event(city, [in_days(10)], status=Event.Status.DRAFT)
    url = feed_url("event_ics", pk=draft.pk)
    assert client.get(url).status_code == 404
    client.force_login(participant)
    assert client.get(url).status_code == 404
    client.force_login(organizer)
    response = client.get(url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]


def test_unknown_event_download_is_404(client, db):
    assert client.get(feed_url("event_ics", pk=999999)).status_code == 404


# --------------------------------------------------------------------------- public feeds


def test_city_feed_lists_that_citys_published_sessions_only(client, city, other_city, cartagena):
    riga_event, cartagena_event = dst_events(city, cartagena)
    make_event(other_city, [in_days(3)])
    make_event(city, [in_days(4)], status=Event.Status.DRAFT)
    response = client.get(feed_url("city_feed", slug=city.slug))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert not response["Content-Disposition"].startswith("attachment")
    assert_sessions_match(response.content, riga_event.sessions.all(), HOST)
    lines = physical_lines(response.content)
    assert b"X-WR-CALNAME:EPI Events: Riga" in lines and b"X-WR-TIMEZONE:Europe/Riga" in lines
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines and b"X-PUBLISHED-TTL:PT1H" in lines
    assert not any(line.startswith(b"METHOD") for line in lines)


def test_unknown_city_feed_is_404(client, db):
    assert client.get(feed_url("city_feed", slug="atlantis")).status_code == 404


def test_programme_feed_has_every_city_and_never_drafts(client, city, cartagena):
    events = dst_events(city, cartagena)
    make_event(city, [in_days(4)], status=Event.Status.DRAFT)
    response = client.get(feed_url("events_feed"))
    assert response.status_code == 200
    sessions = Session.objects.filter(event__in=events)
    assert_sessions_match(response.content, sessions, HOST)
    assert b"X-WR-CALNAME:EPI Events: programme" in response.content


def test_filtered_feed_applies_the_list_page_filters(client, city, other_city):
    training = make_event(city, [in_days(3)], kind=Event.Kind.TRAINING)
    make_event(city, [in_days(3)], kind=Event.Kind.WORKSHOP)
    make_event(other_city, [in_days(3)], kind=Event.Kind.TRAINING)
    response = client.get(feed_url("events_feed") + f"?city={city.slug}&kind=training&page=3")
    assert_sessions_match(response.content, training.sessions.all(), HOST)
    assert icalendar.Calendar.from_ical(response.content).calendar_name == (
        "EPI Events: Riga, Intercultural-competence training"
    )
    assert b"X-WR-TIMEZONE:Europe/Riga" in response.content


def test_invalid_filter_is_ignored_rather_than_failing(client, city):
    event = make_event(city, [in_days(3)])
    response = client.get(feed_url("events_feed") + "?date_from=not-a-date&kind=nonsense&city=nowhere")
    assert response.status_code == 200
    assert uids(response) == [f"session-{s.pk}@{HOST}" for s in event.sessions.all()]


def test_feeds_keep_recent_past_events_and_drop_old_ones(client, city):
    recent = make_event(city, [in_days(-20)])
    make_event(city, [in_days(-200)])
    response = client.get(feed_url("city_feed", slug=city.slug))
    assert uids(response) == [f"session-{s.pk}@{HOST}" for s in recent.sessions.all()]


def test_cancelled_event_stays_as_cancelled_for_a_while_then_leaves_the_feeds(client, city, organizer):
    event = make_event(city, [in_days(10)])
    event_cancel(event=event, actor=organizer)
    response = client.get(feed_url("city_feed", slug=city.slug))
    (vevent,) = vevents(response.content)
    assert str(vevent["STATUS"]) == "CANCELLED"
    Event.objects.filter(pk=event.pk).update(cancelled_at=timezone.now() - timedelta(days=31))
    assert uids(client.get(feed_url("city_feed", slug=city.slug))) == []


# --------------------------------------------------------------------------- HTTP caching


def test_etag_and_last_modified_answer_304_without_building(client, city, monkeypatch):
    make_event(city, [in_days(3), in_days(10)])
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first["Last-Modified"]

    def no_build(*args, **kwargs):
        raise AssertionError("a 304 must not build the feed")

    monkeypatch.setattr(ical, "feed_file", no_build)
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_head_answers_with_the_headers_of_get(client, city):
    make_event(city, [in_days(3)])
    url = feed_url("city_feed", slug=city.slug)
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Content-Type"] == get["Content-Type"]
    assert client.post(url).status_code == 405


def test_same_data_gives_the_same_bytes_and_etag_on_every_request(client, city, cartagena):
    dst_events(city, cartagena)
    first = client.get(feed_url("events_feed"))
    ical.vtimezone.cache_clear()  # as a fresh worker
    second = client.get(feed_url("events_feed"))
    assert first.content == second.content and first["ETag"] == second["ETag"]


CHANGES = [
    "moved", "added", "deleted", "middle session deleted", "session added", "room changed", "session renamed",
    "event edited", "translated", "cancelled", "published", "capacity changed",
]


def _change(change, event, organizer, city):
    first, middle = list(event.sessions.order_by("starts_at"))[:2]
    if change == "moved":
        session_update(session=first, starts_at=first.starts_at + timedelta(hours=1),
                       ends_at=first.ends_at + timedelta(hours=1))
    elif change == "added":
        make_event(city, [in_days(5)])
    elif change == "deleted":
        session_delete(session=first)
    elif change == "middle session deleted":  # the event's span stays the same
        session_delete(session=middle)
    elif change == "session added":
        session_create(event=event, starts_at=in_days(4), ends_at=in_days(4) + timedelta(hours=1))
    elif change == "room changed":
        session_update(session=middle, starts_at=middle.starts_at, ends_at=middle.ends_at, room="B-12")
    elif change == "session renamed":  # neither time nor place: no new SEQUENCE, still new content
        session_update(session=middle, starts_at=middle.starts_at, ends_at=middle.ends_at, title="Module 2")
    elif change == "event edited":
        event_update(event=event, title="A new title")
    elif change == "translated":
        event_update(event=event, translations={"sv": {"title": "En ny titel"}})
    elif change == "cancelled":
        event_cancel(event=event, actor=organizer)
    elif change == "published":
        draft = make_event(city, [in_days(6)], status=Event.Status.DRAFT)
        event_publish(event=draft)
    else:
        event_change_capacity(event=event, capacity=40)


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_gives_a_new_etag_and_a_fresh_body(client, city, organizer, change):
    event = make_event(city, [in_days(3), in_days(8), in_days(10)])
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    _change(change, event, organizer, city)
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200 and response["ETag"] != first["ETag"]
    # Not an old body from the cache under a new name (capacity is in no calendar; the Swedish
    # title only in the Swedish feed, and the stamps may fall in the same second).
    if change not in ("capacity changed", "translated"):
        assert response.content != first.content
    fresh = client.get(url + "?lang=sv" if change == "translated" else url)
    assert b"En ny titel" in fresh.content if change == "translated" else fresh.content == response.content


@pytest.mark.parametrize("change", ["event edited", "session added", "middle session deleted"])
def test_any_change_reaches_the_programme_feed_too(client, city, organizer, change):
    event = make_event(city, [in_days(3), in_days(8), in_days(10)])
    url = feed_url("events_feed")
    first = client.get(url)
    _change(change, event, organizer, city)
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200 and response.content != first.content


def test_a_cancelled_event_leaves_when_its_time_is_up_and_the_etag_says_so(client, city, organizer, monkeypatch):
    event = make_event(city, [in_days(10)])
    event_cancel(event=event, actor=organizer)
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    assert len(uids(first)) == 1
    later = timezone.now() + timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200 and uids(response) == []


def test_a_session_leaves_the_window_when_its_day_is_past_and_the_etag_says_so(client, city, monkeypatch):
    event = make_event(city, [in_days(-85), in_days(20)])
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    assert len(uids(first)) == 2
    later = timezone.now() + timedelta(days=7)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert uids(response) == [f"session-{event.sessions.order_by('starts_at').last().pk}@{HOST}"]


# --------------------------------------------------------------------------- bounds and the body cache


def test_public_feeds_stop_at_the_horizon(client, city, settings):
    settings.CALENDAR_FEED_HORIZON_DAYS = 30
    near = make_event(city, [in_days(10)])
    straddling = make_event(city, [in_days(20), in_days(40)])
    make_event(city, [in_days(45)])
    expected = [f"session-{s.pk}@{HOST}" for s in (near.sessions.get(), straddling.sessions.order_by("starts_at")[0])]
    for url in (feed_url("city_feed", slug=city.slug), feed_url("events_feed")):
        assert sorted(uids(client.get(url))) == sorted(expected)


def test_public_feeds_keep_ninety_days_of_past_sessions_even_of_a_running_event(client, city):
    event = make_event(city, [in_days(-120), in_days(-60), in_days(7)])
    kept = list(event.sessions.order_by("starts_at"))[1:]
    assert uids(client.get(feed_url("city_feed", slug=city.slug))) == [f"session-{s.pk}@{HOST}" for s in kept]


def test_a_full_feed_keeps_the_most_recently_changed_sessions(client, city, settings):
    settings.CALENDAR_FEED_MAX_ITEMS = 2
    events = [make_event(city, [in_days(3 + i)]) for i in range(3)]
    url = feed_url("city_feed", slug=city.slug)
    newest = [f"session-{e.sessions.get().pk}@{HOST}" for e in events[1:]]
    assert sorted(uids(client.get(url))) == sorted(newest)
    session = events[0].sessions.get()
    session_update(session=session, starts_at=session.starts_at, ends_at=session.ends_at, room="B-12")
    assert sorted(uids(client.get(url))) == sorted([f"session-{session.pk}@{HOST}", newest[1]])
    assert len(uids(client.get(feed_url("events_feed")))) == 2


def test_the_programme_feed_is_the_programme_a_visitor_sees(client, city, other_city, organizer):
    shown = [make_event(city, [in_days(2)]), make_event(other_city, [in_days(30), in_days(37)])]
    cancelled = make_event(city, [in_days(5)])
    event_cancel(event=cancelled, actor=organizer)
    make_event(city, [in_days(4)], status=Event.Status.DRAFT)
    make_event(city, [in_days(-200)])  # long past: neither on the list page nor in the feed
    listed = {e.pk for e in client.get(reverse("events:event_list")).context["events"]}
    assert listed == {e.pk for e in [*shown, cancelled]}
    in_feed = {ev["URL"].split("/")[-2] for ev in vevents(client.get(feed_url("events_feed")).content)}
    assert in_feed == {str(pk) for pk in listed}


def test_a_built_feed_is_cached_compressed_and_served_to_everyone_without_building(
    client, city, monkeypatch, django_assert_num_queries
):
    make_event(city, [in_days(3), in_days(10)], title="Open day — ورشة 🎉")
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    packed = cache.get(f"calendars:body:{first['ETag']}")
    assert zlib.decompress(packed) == first.content and len(packed) < len(first.content)

    def no_build(*args, **kwargs):
        raise AssertionError("a cached feed must not be built again")

    monkeypatch.setattr(ical, "feed_file", no_build)
    with django_assert_num_queries(2):  # city, fingerprint: no sessions
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content and again["ETag"] == first["ETag"]
    with pytest.raises(AssertionError, match="must not be built"):
        client.get(feed_url("events_feed"))  # another feed, another ETag: built, not taken from the city's


def test_programme_feed_cached_answers_cost_two_queries(client, city, other_city, django_assert_num_queries):
    make_event(city, [in_days(3)])
    make_event(other_city, [in_days(4)])
    url = feed_url("events_feed")
    first = client.get(url)
    with django_assert_num_queries(2):  # fingerprint, cities
        assert client.get(url).content == first.content
    with django_assert_num_queries(2):
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_deleting_a_session_also_moves_last_modified_for_clients_without_etags(client, city):
    event = make_event(city, [in_days(3), in_days(10)])
    url = feed_url("city_feed", slug=city.slug)
    first = client.get(url)
    session_delete(session=event.sessions.first())
    with pytest.MonkeyPatch.context() as patch:
        # A second later, as a real client would come back.
        patch.setattr(timezone, "now", lambda: datetime.now(UTC) + timedelta(seconds=2))
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 200
    assert parse_http_date(response["Last-Modified"]) > parse_http_date(first["Last-Modified"])


@pytest.mark.parametrize("size", [5, 50])
def test_public_feeds_cost_a_fixed_number_of_queries(client, city, other_city, size, django_assert_num_queries):
    make_event(city, [in_days(1 + i) for i in range(size // 2)])
    make_event(other_city, [in_days(1 + i) for i in range(size - size // 2)])
    with django_assert_num_queries(3):  # fingerprint, cities, sessions
        response = client.get(feed_url("events_feed"))
    assert len(uids(response)) == size
    with django_assert_num_queries(3):  # city, fingerprint, sessions
        client.get(feed_url("city_feed", slug=city.slug))
    with django_assert_num_queries(2):
        assert client.get(feed_url("events_feed"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("name", ["events_feed", "city_feed"])
def test_public_feeds_are_the_same_for_everyone_and_do_not_vary_on_the_cookie(
    client, city, participant, name, signed_in, django_assert_num_queries
):
    participant.preferred_language = "sv"
    participant.save()
    make_event(city, [in_days(2)], title="Open day")
    if signed_in:
        client.force_login(participant)
    url = (feed_url(name, slug=city.slug) if name == "city_feed" else feed_url(name)) + "?lang=en"
    # The feed reads neither the session nor the user: no query for them.
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    assert "cookie" not in vary
    # Its language is the link's (?lang=), whoever asks: not the signed-in user's profile.
    assert b"Open day" in response.content and b"EPI Events" in response.content


# --------------------------------------------------------------------------- "My calendar"


def test_personal_feed_shows_confirmed_registrations_only_and_is_private(client, city, participant):
    mine = make_event(city, [in_days(3), in_days(10)])
    waiting = make_event(city, [in_days(4)])
    other = make_event(city, [in_days(5)])
    RegistrationFactory(event=mine, user=participant)
    RegistrationFactory(event=waiting, user=participant, status=Registration.Status.WAITING, waiting_rank=1)
    RegistrationFactory(event=other, user=UserFactory())
    response = client.get(personal_url(participant))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")
    assert_sessions_match(response.content, mine.sessions.all(), HOST)
    assert b"X-WR-CALNAME:EPI Events: my registrations" in response.content


def test_personal_feed_can_include_the_waiting_list_as_tentative(client, city, participant):
    waiting = make_event(city, [in_days(4)])
    RegistrationFactory(event=waiting, user=participant, status=Registration.Status.WAITING, waiting_rank=1)
    (vevent,) = vevents(client.get(personal_url(participant, "?waiting=1")).content)
    assert str(vevent["STATUS"]) == "TENTATIVE"
    assert str(vevent["SUMMARY"]).startswith("On the waiting list: ")


def test_personal_feed_leaks_nothing_across_users(client, city, participant):
    other_user = UserFactory(full_name="Secret Person")
    secret = make_event(city, [in_days(4)], title="Secret meeting")
    RegistrationFactory(event=secret, user=other_user)
    mine = make_event(city, [in_days(5)])
    RegistrationFactory(event=mine, user=participant)
    for query in ("", "?waiting=1"):
        body = client.get(personal_url(participant, query)).content
        assert b"Secret" not in body
        assert uids_of(body) == [f"session-{s.pk}@{HOST}" for s in mine.sessions.all()]


def uids_of(body):
    return [str(ev["UID"]) for ev in vevents(body)]


def test_cancelled_registration_stays_as_cancelled_for_thirty_days(client, city, participant):
    event = make_event(city, [in_days(4)])
    registration = RegistrationFactory(event=event, user=participant)
    registration_cancel(registration=registration, actor=participant)
    (vevent,) = vevents(client.get(personal_url(participant)).content)
    assert str(vevent["STATUS"]) == "CANCELLED"
    Registration.objects.filter(pk=registration.pk).update(cancelled_at=timezone.now() - timedelta(days=31))
    assert uids_of(client.get(personal_url(participant)).content) == []


def test_registering_again_after_cancelling_shows_the_session_once_confirmed(client, city, participant):
    event = make_event(city, [in_days(4)])
    old = RegistrationFactory(event=event, user=participant, status=Registration.Status.CANCELLED)
    Registration.objects.filter(pk=old.pk).update(cancelled_at=timezone.now())
    RegistrationFactory(event=event, user=participant)
    (vevent,) = vevents(client.get(personal_url(participant)).content)
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_cancelled_event_in_personal_feed_is_marked_cancelled(client, city, participant, organizer):
    event = make_event(city, [in_days(4)])
    RegistrationFactory(event=event, user=participant)
    event_cancel(event=event, actor=organizer)
    (vevent,) = vevents(client.get(personal_url(participant)).content)
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_unknown_or_regenerated_token_is_404(client, participant):
    assert client.get(feed_url("personal_feed", token="not-a-token")).status_code == 404
    old = personal_url(participant)
    assert client.get(old).status_code == 200
    client.force_login(participant)
    response = client.post(reverse("accounts:regenerate_calendar_token"))
    assert response.status_code == 302
    participant.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(personal_url(participant)).status_code == 200


def test_inactive_user_feed_is_404(client, participant):
    participant.is_active = False
    participant.save(update_fields=["is_active"])
    assert client.get(personal_url(participant)).status_code == 404


def test_personal_feed_304_and_change(client, city, participant):
    event = make_event(city, [in_days(4)])
    RegistrationFactory(event=event, user=participant)
    first = client.get(personal_url(participant))
    assert client.get(personal_url(participant), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    RegistrationFactory(event=make_event(city, [in_days(6)]), user=participant)
    assert client.get(personal_url(participant), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("size", [5, 50])
def test_personal_feed_costs_a_fixed_number_of_queries(client, city, participant, size, django_assert_num_queries):
    for i in range(size):
        RegistrationFactory(event=make_event(city, [in_days(1 + i)]), user=participant)
    with django_assert_num_queries(5):  # user, fingerprint, cities, registrations, sessions
        response = client.get(personal_url(participant))
    assert len(uids(response)) == size


# --------------------------------------------------------------------------- pages


def test_event_page_offers_ics_google_and_outlook_links_in_utc(client, city):
    start = local(RIGA, 2027, 3, 29, 10)
    event = make_event(city, [start])
    html = client.get(event.get_absolute_url()).content.decode()
    assert feed_url("event_ics", pk=event.pk) in html
    google = _link(html, "https://calendar.google.com/calendar/render?")
    assert google["dates"] == ["20270329T070000Z/20270329T090000Z"]
    assert google["text"] == [event.title] and google["ctz"] == ["Europe/Riga"]
    outlook = _link(html, "https://outlook.live.com/calendar/0/deeplink/compose?")
    assert outlook["startdt"] == ["2027-03-29T07:00:00Z"] and outlook["enddt"] == ["2027-03-29T09:00:00Z"]
    office = _link(html, "https://outlook.office.com/calendar/0/deeplink/compose?")
    assert office["subject"] == [event.title]


def _link(html, prefix):
    start = html.index(prefix)
    url = html[start: html.index('"', start)].replace("&amp;", "&")
    return parse_qs(urlsplit(url).query)


def test_multi_session_event_page_links_each_session(client, city):
    event = make_event(city, [in_days(3), in_days(10), in_days(17)])
    html = client.get(event.get_absolute_url()).content.decode()
    assert html.count("https://calendar.google.com/calendar/render?") == 3
    assert "Download all 3 sessions (.ics)" in html


def test_cancelled_event_page_offers_no_add_to_calendar(client, city, organizer):
    event = make_event(city, [in_days(3)])
    event_cancel(event=event, actor=organizer)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "calendar.google.com/calendar/render" not in html


def test_city_page_offers_webcal_and_https_subscriptions(client, city):
    html = client.get(city.get_absolute_url()).content.decode()
    path = feed_url("city_feed", slug=city.slug)
    assert f'href="webcal://testserver{path}?lang=en"' in html
    assert f'value="http://testserver{path}?lang=en"' in html
    assert "From URL" in html


def test_list_page_subscription_keeps_the_filters_but_not_the_page(client, city):
    html = client.get(reverse("events:event_list") + f"?city={city.slug}&kind=training&page=2").content.decode()
    assert f"webcal://testserver{feed_url('events_feed')}?city={city.slug}&amp;kind=training&amp;lang=en" in html


def test_feed_language_follows_the_link(client, city, settings):
    make_event(city, [in_days(3)], kind=Event.Kind.WORKSHOP)
    response = client.get(feed_url("city_feed", slug=city.slug) + "?lang=sv")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["ETag"] != client.get(feed_url("city_feed", slug=city.slug) + "?lang=en")["ETag"]


def test_account_page_shows_the_private_links_and_the_replace_button(client, participant):
    client.force_login(participant)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f"webcal://testserver{personal_url(participant)}" in html
    assert f"http://testserver{personal_url(participant)}?waiting=1" in html
    assert reverse("accounts:regenerate_calendar_token") in html


def test_my_registrations_offers_calendar_links_for_confirmed_registrations(client, city, participant):
    confirmed = make_event(city, [in_days(3)], title="Confirmed one")
    waiting = make_event(city, [in_days(4)], title="Waiting one")
    RegistrationFactory(event=confirmed, user=participant)
    RegistrationFactory(event=waiting, user=participant, status=Registration.Status.WAITING, waiting_rank=1)
    client.force_login(participant)
    html = client.get(reverse("registrations:my_registrations")).content.decode()
    assert feed_url("event_ics", pk=confirmed.pk) in html
    assert feed_url("event_ics", pk=waiting.pk) not in html
