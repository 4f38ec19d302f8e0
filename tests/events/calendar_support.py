"""Calendar test support: events around DST changes, and reading calendars back as clients do.

Files are read by icalendar and two independent parsers.

``vobject`` resolves TZIDs through the VTIMEZONE in the file (as Outlook does), while
``ical`` and icalendar use the tz database: agreeing with all three means both the
times and the VTIMEZONE rules are right.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

from events.models import Session
from events.services.events import _refresh_event_dates
from tests.factories import CityFactory, EventFactory

RIGA = ZoneInfo("Europe/Riga")
MADRID = ZoneInfo("Europe/Madrid")


def local(tz, *args) -> datetime:
    """A wall-clock time in ``tz`` as the UTC instant the database stores."""
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def make_event(city, starts, *, hours: float = 2, **fields):
    event = EventFactory(city=city, sessions=0, **fields)
    for start in starts:
        Session.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=hours))
    _refresh_event_dates(event)
    return event


def loaded(event) -> list[Session]:
    return list(Session.objects.filter(event=event).select_related("event__city").order_by("starts_at", "pk"))


def make_cartagena():
    return CityFactory(
        name="Cartagena", slug="cartagena", timezone="Europe/Madrid", country="ES", default_language="es"
    )


def dst_events(riga, cartagena, **fields):
    """Events with sessions on both sides of the last Sundays of March and October 2027."""
    return [
        make_event(riga, [local(RIGA, 2027, 3, 27, 10), local(RIGA, 2027, 3, 29, 10),
                          local(RIGA, 2027, 10, 30, 10), local(RIGA, 2027, 11, 1, 10)], **fields),
        make_event(cartagena, [local(MADRID, 2027, 3, 27, 10), local(MADRID, 2027, 3, 29, 10),
                               local(MADRID, 2027, 10, 30, 10), local(MADRID, 2027, 11, 1, 10)], **fields),
    ]


def _utc(value: datetime) -> datetime:
    assert isinstance(value, datetime) and value.tzinfo is not None, f"floating or date-only time: {value!r}"
    return value.astimezone(UTC)


def starts_by_parser(data: bytes) -> dict[str, dict[str, tuple[datetime, datetime]]]:
    """{parser: {uid: (start, end) in UTC}} from three parsers."""
    text = data.decode("utf-8")
    result = {}
    cal = icalendar.Calendar.from_ical(data)
    result["icalendar"] = {
        str(ev["UID"]): (_utc(ev.decoded("DTSTART")), _utc(ev.decoded("DTEND"))) for ev in cal.walk("VEVENT")
    }
    stream = IcsCalendarStream.calendar_from_ics(text)
    result["ical"] = {ev.uid: (_utc(ev.dtstart), _utc(ev.dtend)) for ev in stream.events}
    parsed = vobject.readOne(text)
    events = parsed.contents.get("vevent", [])
    result["vobject"] = {ev.uid.value: (_utc(ev.dtstart.value), _utc(ev.dtend.value)) for ev in events}
    return result


def assert_sessions_match(data: bytes, sessions, host: str) -> None:
    """Every parser finds exactly these sessions, each at its instant in the database."""
    expected = {
        f"session-{s.pk}@{host}": (s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC)) for s in sessions
    }
    for parser, found in starts_by_parser(data).items():
        assert found == expected, parser


def vevents(data: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")
