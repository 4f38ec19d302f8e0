"""The iCalendar builder: what every calendar client reads from our files."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from events import ical
from events.models import City, Event, Session
from tests.events.calendar_support import (
    RIGA,
    assert_sessions_match,
    dst_events,
    loaded,
    local,
    make_cartagena,
    make_event,
    physical_lines,
    starts_by_parser,
    vevents,
)

SITE = "https://events.example.org"
HOST = "events.example.org"
EPI_ZONES = [
    "Europe/Madrid", "Europe/Bucharest", "Europe/Berlin", "Europe/Stockholm", "Europe/Warsaw", "Europe/Rome",
    "Europe/Riga",
]


@pytest.fixture
def cartagena(db):
    return make_cartagena()


@pytest.fixture
def dst_sessions(city, cartagena):
    sessions = []
    for event in dst_events(city, cartagena):
        sessions += loaded(event)
    return sessions


def test_each_session_is_one_vevent_with_a_stable_uid_from_the_site_host(city):
    sessions = loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10), local(RIGA, 2027, 5, 11, 10)]))
    data = ical.event_file(sessions, site_url=SITE)
    uids = [str(ev["UID"]) for ev in vevents(data)]
    assert uids == [f"session-{s.pk}@{HOST}" for s in sessions]
    assert ical.event_file(sessions, site_url=SITE) == data


def test_local_times_carry_the_city_zone_and_every_parser_agrees_across_dst_changes(dst_sessions):
    data = ical.feed_file([ical.Entry(s) for s in dst_sessions], name="All", site_url=SITE)
    text = data.decode()
    assert "DTSTART;TZID=Europe/Riga:20270327T100000" in text  # Saturday, EET
    assert "DTSTART;TZID=Europe/Riga:20270329T100000" in text  # Monday, EEST
    assert "DTSTART;TZID=Europe/Madrid:20271030T100000" in text  # Saturday, CEST
    assert "DTSTART;TZID=Europe/Madrid:20271101T100000" in text  # Monday, CET
    assert_sessions_match(data, dst_sessions, HOST)


def test_no_floating_times_anywhere(dst_sessions):
    data = ical.event_file(dst_sessions, site_url=SITE)
    for line in physical_lines(data):
        if line.startswith((b"DTSTART", b"DTEND")) and not line.startswith(b"DTSTART:1970"):
            assert b";TZID=" in line or line.endswith(b"Z"), line


def test_vtimezone_is_compact_rule_based_for_each_zone_used_in_sorted_order(dst_sessions):
    data = ical.event_file(dst_sessions, site_url=SITE)
    cal = icalendar.Calendar.from_ical(data)
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Madrid", "Europe/Riga"]
    for zone in zones:
        assert len(zone.walk("STANDARD")) == 1 and len(zone.walk("DAYLIGHT")) == 1
    text = data.decode()
    riga = text[text.index("TZID:Europe/Riga"): text.index("END:VTIMEZONE", text.index("TZID:Europe/Riga"))]
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in riga
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in riga
    # Riga changes at 01:00 UTC: 03:00 local in March (from +02), 04:00 in October (from +03).
    assert "DTSTART:19700329T030000" in riga and "DTSTART:19701025T040000" in riga
    assert "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0300" in riga


@pytest.mark.parametrize("zone", EPI_ZONES)
def test_vtimezone_rules_give_the_tz_database_offsets_for_years_ahead(zone):
    """vobject turns our VTIMEZONE into a tzinfo; it must agree with zoneinfo at every hour near each change."""
    year = datetime.now(UTC).year
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        + ical.vtimezone(zone, year).decode()
        + "END:VCALENDAR\r\n"
    )
    tz_from_file = vobject.readOne(text).vtimezone.gettzinfo()
    reference = ZoneInfo(zone)
    for test_year in range(year, year + 5):
        for month, day in ((3, 20), (10, 20)):
            start = datetime(test_year, month, day, tzinfo=UTC)
            for hour in range(0, 24 * 14):
                instant = start + timedelta(hours=hour)
                assert instant.astimezone(tz_from_file).utcoffset() == instant.astimezone(reference).utcoffset(), (
                    zone, instant
                )


@pytest.mark.parametrize(
    ("zone", "standard", "daylight"),
    [
        ("Europe/Riga", (10, "-1SU"), (3, "-1SU")),
        ("America/New_York", (11, "1SU"), (3, "2SU")),
        ("Australia/Sydney", (4, "1SU"), (10, "1SU")),
    ],
)
def test_zone_rules_are_derived_from_the_tz_database(zone, standard, daylight):
    rules = ical.zone_rules(zone, 2027)
    assert (rules[0].month, rules[0].byday) == standard
    assert (rules[1].month, rules[1].byday) == daylight
    assert rules[1].offset_to > rules[0].offset_to


def test_zone_without_daylight_saving_has_one_standard_block():
    assert ical.zone_rules("Asia/Tokyo", 2027) == timedelta(hours=9)
    text = ical.vtimezone("Asia/Tokyo", 2027).decode()
    assert text.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in text and "RRULE" not in text


def test_zone_whose_rules_are_not_two_yearly_rules_lists_its_transitions():
    # Chile changes on the first Sunday on or after the 2nd: no nth-weekday RRULE fits every year.
    assert ical.zone_rules("America/Santiago", 2027) is None
    text = ical.vtimezone("America/Santiago", 2027).decode()
    assert text.startswith("BEGIN:VTIMEZONE") and text.count("BEGIN:DAYLIGHT") > 1


def test_second_occurrence_of_an_ambiguous_local_time_is_written_in_utc(city):
    # Riga, 31 October 2027: 03:00-04:00 local happens twice.
    first = datetime(2027, 10, 31, 0, 15, tzinfo=UTC)  # 03:15 EEST, the first 03:15
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 03:30 EET, the second 03:30
    sessions = loaded(make_event(city, [first, second], hours=0.5))
    data = ical.event_file(sessions, site_url=SITE)
    assert b"DTSTART;TZID=Europe/Riga:20271031T031500" in data
    assert b"DTSTART:20271031T013000Z" in data
    assert_sessions_match(data, sessions, HOST)


def test_text_with_separators_newlines_emoji_and_other_scripts_survives_every_parser(city):
    title = 'Trust, lies; and "quotes"\nnew line \\ backslash 🎉🇪🇺 Ελληνικά Кириллица العربية'
    event = make_event(city, [local(RIGA, 2027, 5, 4, 10)], title=title, venue_name="Sala, 2; piso")
    data = ical.event_file(loaded(event), site_url=SITE)
    assert icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["SUMMARY"] == title
    from ical.calendar_stream import IcsCalendarStream

    assert IcsCalendarStream.calendar_from_ics(data.decode()).events[0].summary == title
    assert vobject.readOne(data.decode()).vevent.summary.value == title
    assert str(vevents(data)[0]["LOCATION"]).startswith("Sala, 2; piso")


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_a_character(city):
    title = "Ελληνικά 🎉 Кириллица العربية " * 6
    event = make_event(city, [local(RIGA, 2027, 5, 4, 10)], title=title, description="ä" * 500)
    data = ical.event_file(loaded(event), site_url=SITE)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = physical_lines(data)
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a character cut in two would not decode


def test_stamps_come_from_the_last_change_in_utc_and_sequence_adds_event_and_session(city):
    event = make_event(city, [local(RIGA, 2027, 5, 4, 10)])
    changed = datetime(2026, 6, 1, 9, 15, 7, tzinfo=UTC)
    Event.objects.filter(pk=event.pk).update(sequence=2, updated_at=changed - timedelta(days=3))
    Session.objects.filter(event=event).update(sequence=3, updated_at=changed)
    data = ical.event_file(loaded(event), site_url=SITE)
    ev = vevents(data)[0]
    assert ev.to_ical().count(b"DTSTAMP:20260601T091507Z") == 1
    assert b"LAST-MODIFIED:20260601T091507Z" in ev.to_ical()
    assert ev["SEQUENCE"] == 5


def test_icalendar_never_invents_uids_or_stamps(city, monkeypatch):
    """icalendar fills in uuid4 UIDs and 'now' stamps when not given values; we always give them."""
    import uuid

    sessions = loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10)]))
    first = ical.feed_file([ical.Entry(s) for s in sessions], name="n", site_url=SITE)

    def forbidden(*args, **kwargs):
        raise AssertionError("the builder relied on a generated value")

    monkeypatch.setattr(uuid, "uuid4", forbidden)
    monkeypatch.setattr(icalendar.Component, "_utc_now", staticmethod(forbidden))
    assert ical.feed_file([ical.Entry(s) for s in sessions], name="n", site_url=SITE) == first
    assert b"UID:session-" in first


def test_feed_header_has_names_and_refresh_hints_as_durations_and_no_method(city):
    sessions = loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10)]))
    data = ical.feed_file([ical.Entry(s) for s in sessions], name="EPI Events: Riga", site_url=SITE, zone="Europe/Riga")
    lines = physical_lines(data)
    # icalendar's refresh_interval setter would leave out VALUE=DURATION.
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    # A bare timedelta would serialise as X-PUBLISHED-TTL:1:00:00.
    assert b"X-PUBLISHED-TTL:PT1H" in lines
    assert b"X-WR-CALNAME:EPI Events: Riga" in lines and b"NAME:EPI Events: Riga" in lines
    assert b"X-WR-TIMEZONE:Europe/Riga" in lines
    assert not any(line.startswith(b"METHOD") for line in lines)
    download = ical.event_file(sessions, site_url=SITE)
    assert b"METHOD" not in download and b"REFRESH-INTERVAL" not in download


def test_event_properties_describe_the_event(city):
    event = make_event(
        city, [local(RIGA, 2027, 5, 4, 10)], kind=Event.Kind.TRAINING, area=Event.Area.GOVERNANCE,
        summary="Short.", description="Long **text**.", latitude=Decimal("56.949600"),
        longitude=Decimal("24.105200"), online_url="https://meet.example.org/secret-room", online_note="Also online.",
    )
    data = ical.event_file(loaded(event), site_url=SITE)
    ev = vevents(data)[0]
    url = f"{SITE}/events/{event.pk}/"
    assert str(ev["URL"]) == url
    assert url in str(ev["DESCRIPTION"]) and "Short." in str(ev["DESCRIPTION"]) and "Also online." in str(ev["DESCRIPTION"])
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert ev.categories == ["Intercultural-competence training", "Governance"]
    assert ev["GEO"].latitude == pytest.approx(56.9496) and ev["GEO"].longitude == pytest.approx(24.1052)
    assert str(ev["LOCATION"]) == "City Hall, Main Square 1, Riga"
    # The meeting link may be meant for participants only.
    assert b"secret-room" not in data


def test_no_geo_without_coordinates(city):
    data = ical.event_file(loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10)])), site_url=SITE)
    assert "GEO" not in vevents(data)[0]


def test_cancelled_event_sessions_are_marked_cancelled(city):
    event = make_event(city, [local(RIGA, 2027, 5, 4, 10)], status=Event.Status.CANCELLED)
    ev = vevents(ical.event_file(loaded(event), site_url=SITE))[0]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["SUMMARY"]).startswith("Cancelled: ")


def test_entry_status_and_label_and_later_change(city):
    session = loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10)]))[0]
    later = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    entry = ical.Entry(session, status=ical.TENTATIVE, label="On the waiting list", changed_at=later)
    ev = vevents(ical.feed_file([entry], name="n", site_url=SITE))[0]
    assert str(ev["STATUS"]) == "TENTATIVE"
    assert str(ev["SUMMARY"]) == f"On the waiting list: {session.event.title}"
    assert ev.DTSTAMP == later


def test_same_data_gives_the_same_bytes_in_a_fresh_process(dst_sessions):
    first = ical.event_file(dst_sessions, site_url=SITE)
    ical.vtimezone.cache_clear()
    assert ical.event_file(list(reversed(dst_sessions)), site_url=SITE) == first


def test_invitation_names_organizer_and_attendee_and_rejects_other_methods(city):
    sessions = loaded(make_event(city, [local(RIGA, 2027, 5, 4, 10)]))
    data = ical.invitation_file(
        [ical.Entry(sessions[0])], method=ical.REQUEST, organizer=ical.Person("no-reply@example.org", "EPI Events"),
        attendee=ical.Person("ana@example.org", "Ana, María"), partstat="ACCEPTED", site_url=SITE,
    )
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "REQUEST"
    ev = cal.walk("VEVENT")[0]
    assert str(ev["ORGANIZER"]) == "mailto:no-reply@example.org"
    attendee = ev["ATTENDEE"]
    assert str(attendee) == "mailto:ana@example.org"
    assert attendee.params["CN"] == "Ana, María" and attendee.params["RSVP"] == "FALSE"
    assert starts_by_parser(data)["vobject"]
    with pytest.raises(ValueError):
        ical.invitation_file([], method="PUBLISH", organizer=ical.Person("a@b"), attendee=ical.Person("c@d"),
                             partstat="ACCEPTED", site_url=SITE)


def _unsaved_session(title: str):
    city = City(pk=1, name="Riga", slug="riga", timezone="Europe/Riga")
    event = Event(
        pk=7, city=city, title=title, kind=Event.Kind.WORKSHOP, area=Event.Area.PARTICIPATION, summary=title,
        venue_name=title, status=Event.Status.PUBLISHED, updated_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    start = datetime(2027, 3, 28, 8, tzinfo=UTC)
    return Session(
        pk=9, event=event, starts_at=start, ends_at=start + timedelta(hours=1), created_at=start - timedelta(days=9),
        updated_at=start - timedelta(days=9),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(",;:\\\"'\n"),
        min_size=1, max_size=120,
    ).filter(lambda t: t.strip())
)
def test_any_title_survives_a_round_trip_through_every_parser(title):
    data = ical.event_file([_unsaved_session(title)], site_url=SITE)
    for line in physical_lines(data):
        assert len(line) <= 75
        line.decode("utf-8")
    assert str(vevents(data)[0]["SUMMARY"]) == title
    from ical.calendar_stream import IcsCalendarStream

    assert IcsCalendarStream.calendar_from_ics(data.decode()).events[0].summary == title
    assert vobject.readOne(data.decode()).vevent.summary.value == title
