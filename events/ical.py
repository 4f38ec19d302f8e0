"""iCalendar files, feeds and invitations: the only module that imports icalendar.

A pure builder: sessions already loaded with their event and city go in, bytes come
out, with no request and no query. The callers (views, invitations) decide which
sessions belong in a calendar and activate the language its text is written in.

What every calendar client needs, and what icalendar 7 does not do by itself:

* Stable UIDs (``session-<id>@<site host>``) and DTSTAMP / LAST-MODIFIED taken from
  the data's last change, never icalendar's random UUIDs and "now" stamps, so one
  session is one calendar item forever and the same data gives the same bytes on
  every worker (which is what makes ETags strong).
* Times with the city's TZID plus one VTIMEZONE per zone in the compact rule form
  Outlook understands (one STANDARD and one DAYLIGHT with yearly RRULEs), derived
  from the zone's current rules rather than icalendar's list of every transition.
* ``REFRESH-INTERVAL;VALUE=DURATION`` and ``X-PUBLISHED-TTL`` as durations: the
  library's ``refresh_interval`` setter drops ``VALUE=DURATION`` and a bare timedelta
  for an X- property serialises as ``1:00:00``.

A feed of thousands of sessions serialises each distinct property once: what
differs per session (UID, times, stamps, sequence, summary) per session, an event's
URL and description once per event, statuses, categories, places and coordinates
once per calendar.
"""

from __future__ import annotations

import calendar as pycalendar
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar import Event as VEvent
from icalendar.prop import vCalAddress, vCategory, vDDDTypes, vDuration, vGeo, vRecur, vText

PRODID = "-//European Pact for Integration//EPI Events//EN"
# Calendar clients poll subscribed feeds no more often than this.
FEED_REFRESH = timedelta(hours=1)
# Part of every calendar ETag: bump it when the bytes for the same data change.
FORMAT_VERSION = "1"

CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"
CANCELLED = "CANCELLED"
STATUSES = (CONFIRMED, TENTATIVE, CANCELLED)

REQUEST = "REQUEST"
CANCEL = "CANCEL"
METHODS = (REQUEST, CANCEL)

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BEGIN_VEVENT = b"BEGIN:VEVENT\r\n"
_END_VEVENT = b"END:VEVENT\r\n"
_END_VCALENDAR = b"END:VCALENDAR\r\n"


@dataclass(frozen=True, slots=True)
class Entry:
    """One session as one calendar item.

    ``status`` says what this calendar holds for it (a cancelled event is always
    CANCELLED); ``label`` prefixes the summary ("On the waiting list: ..."), and
    ``changed_at`` is a later change than the session's and event's own (the
    registration's), which DTSTAMP and LAST-MODIFIED must reflect.
    """

    session: object
    status: str = CONFIRMED
    label: str = ""
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str = ""


def site_host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def _uid(session_id: int, host: str) -> str:
    return f"session-{session_id}@{host}"


def session_uid(session_id: int, site_url: str) -> str:
    """The UID of a session in every file, feed and invitation: never random."""
    return _uid(session_id, site_host(site_url))


# --------------------------------------------------------------------------- public builders


def event_file(sessions: Sequence, *, site_url: str) -> bytes:
    """An event's sessions as a downloadable .ics file (no METHOD, no refresh hints)."""
    return _calendar([Entry(s) for s in sessions], site_url=site_url, header=_header())


def feed_file(
    entries: Iterable[Entry], *, name: str, site_url: str, description: str = "", zone: str = ""
) -> bytes:
    """A subscribable calendar. ``zone`` names the calendar's own zone when it has one (a city)."""
    header = _header(name=name, description=description, zone=zone, feed=True)
    return _calendar(entries, site_url=site_url, header=header)


def invitation_file(
    entries: Iterable[Entry], *, method: str, organizer: Person, attendee: Person, partstat: str, site_url: str
) -> bytes:
    """An iTIP message (RFC 5546) inviting ``attendee`` to the sessions, or cancelling them."""
    if method not in METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    extra = VEvent()
    extra["ORGANIZER"] = _address(organizer, {})
    extra["ATTENDEE"] = _address(
        attendee,
        {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": partstat, "RSVP": "FALSE"},
    )
    return _calendar(entries, site_url=site_url, header=_header(method=method), extra=_inner(extra))


# --------------------------------------------------------------------------- the calendar


def _header(*, name: str = "", description: str = "", zone: str = "", feed: bool = False, method: str = "") -> bytes:
    cal = Calendar()
    cal["PRODID"] = vText(PRODID)
    cal["VERSION"] = vText("2.0")
    cal["CALSCALE"] = vText("GREGORIAN")
    if method:
        cal["METHOD"] = vText(method)
    if name:
        cal.calendar_name = name
    if description:
        cal.description = description
    if zone:
        # Google uses it as the calendar's zone; the times themselves carry their TZID.
        cal["X-WR-TIMEZONE"] = vText(zone)
    if feed:
        # Not cal.refresh_interval: its setter leaves out the VALUE=DURATION that RFC 7986 requires.
        cal.add("REFRESH-INTERVAL", vDuration(FEED_REFRESH), parameters={"VALUE": "DURATION"})
        # Outlook's spelling of the same hint; a plain timedelta would serialise as "1:00:00".
        cal["X-PUBLISHED-TTL"] = vDuration(FEED_REFRESH)
    ical = cal.to_ical()
    return ical[: -len(_END_VCALENDAR)]


def _calendar(entries: Iterable[Entry], *, site_url: str, header: bytes, extra: bytes = b"") -> bytes:
    writer = _VEventWriter(site_url, extra)
    ordered = sorted(entries, key=lambda e: (e.session.starts_at, e.session.pk))
    vevents = [writer.vevent(entry) for entry in ordered]
    rules_year = datetime.now(UTC).year
    parts = [header]
    parts.extend(vtimezone(zone, rules_year) for zone in sorted(writer.zones))
    parts.extend(vevents)
    parts.append(_END_VCALENDAR)
    return b"".join(parts)


def _inner(component) -> bytes:
    """A component's content lines without its BEGIN and END lines."""
    ical = component.to_ical()
    start = ical.index(b"\r\n") + 2
    end = ical.rindex(b"END:", 0, len(ical) - 2)
    return ical[start:end]


class _VEventWriter:
    """Writes one VEVENT per entry as bytes, each content line escaped and folded once.

    icalendar folds every content line character by character, which was most of a
    feed's build time; here the lines that differ per session or per event are
    formatted directly (icalendar's TEXT escaping, its date-time formats, the TZID
    parameter it writes for each zone) and folded by :func:`_fold`, which gives
    icalendar's bytes for the same line. What repeats across events (statuses,
    categories, coordinates) is still serialised by icalendar, once per calendar.
    ``tests/events/test_ical_writer.py`` holds the output to the former
    component-by-component writer's, byte for byte.
    """

    def __init__(self, site_url: str, extra: bytes):
        self.site_url = site_url
        self.host = site_host(site_url)
        self.uid_host = _escape(f"@{self.host}")
        self.extra = extra
        self.zones: set[str] = set()
        self._events: dict[int, bytes] = {}
        self._lines: dict[tuple, bytes] = {}

    def vevent(self, entry: Entry) -> bytes:
        session = entry.session
        event = session.event
        status = CANCELLED if event.status == "cancelled" else entry.status
        if status not in STATUSES:
            raise ValueError(f"unknown calendar status {status!r}")
        city = event.city
        self.zones.add(city.timezone)
        parts = [_BEGIN_VEVENT, self._session_lines(entry, status, city.tzinfo)]
        described = self._events.get(event.pk)
        if described is None:
            url = self.site_url + event.get_absolute_url()
            described = self._events[event.pk] = (
                _fold(b"DESCRIPTION:" + _escape(_description(event, url)))
                + _fold(b"URL;VALUE=URI:" + _escape(url))
            )
        parts.append(described)
        parts.append(self._line(("STATUS", status), lambda: {
            "STATUS": vText(status), "TRANSP": vText("TRANSPARENT" if status == CANCELLED else "OPAQUE"),
        }))
        parts.append(self._line(("CATEGORIES", event.kind, event.area), lambda: {
            "CATEGORIES": vCategory([event.get_kind_display(), event.get_area_display()]),
        }))
        location = location_text(event, session.room)
        if location:
            line = self._lines.get(("LOCATION", location))
            if line is None:
                line = self._lines[("LOCATION", location)] = _fold(b"LOCATION:" + _escape(location))
            parts.append(line)
        if event.latitude is not None and event.longitude is not None:
            geo = (float(event.latitude), float(event.longitude))
            parts.append(self._line(("GEO", geo), lambda: {"GEO": vGeo(geo)}))
        parts.append(self.extra)
        parts.append(_END_VEVENT)
        return b"".join(parts)

    def _line(self, key: tuple, properties) -> bytes:
        lines = self._lines.get(key)
        if lines is None:
            ve = VEvent()
            for name, value in properties().items():
                ve[name] = value
            lines = self._lines[key] = _inner(ve)
        return lines

    def _session_lines(self, entry: Entry, status: str, tz: ZoneInfo) -> bytes:
        """SUMMARY, DTSTART, DTEND, DTSTAMP, UID, SEQUENCE, CREATED, LAST-MODIFIED: icalendar's order."""
        session = entry.session
        event = session.event
        changed = max(d for d in (session.updated_at, event.updated_at, entry.changed_at) if d is not None)
        stamp = _utc_stamp(changed)
        title = session_title(session)
        label = entry.label or (pgettext("event status", "Cancelled") if status == CANCELLED else "")
        if label:
            title = _("%(label)s: %(title)s") % {"label": label, "title": title}
        start, end = _local(session.starts_at, tz), _local(session.ends_at, tz)
        if start.fold or end.fold:
            # The second 03:30 of an October night: RFC 5545 reads an ambiguous local time as the
            # first one, so this rare session is written in UTC, which is never ambiguous.
            start_line = b"DTSTART:" + _utc_stamp(session.starts_at)
            end_line = b"DTEND:" + _utc_stamp(session.ends_at)
        else:
            start_prefix, end_prefix = _zone_prefixes(tz)
            start_line = start_prefix + _wall_time(start)
            end_line = end_prefix + _wall_time(end)
        return b"".join((
            _fold(b"SUMMARY:" + _escape(title)),
            _fold(start_line),
            _fold(end_line),
            b"DTSTAMP:", stamp, b"\r\n",
            _fold(b"UID:session-%d%s" % (session.pk, self.uid_host)),
            b"SEQUENCE:", str(event.sequence + session.sequence).encode(), b"\r\n",
            b"CREATED:", _utc_stamp(session.created_at), b"\r\n",
            b"LAST-MODIFIED:", stamp, b"\r\n",
        ))


def _escape(text: str) -> bytes:
    """A TEXT value as icalendar escapes it (backslash, semicolon, comma, line breaks), in UTF-8."""
    return vText(text).to_ical()


def _fold(line: bytes) -> bytes:
    """One content line folded as icalendar folds it, with its CRLF.

    icalendar cuts a line before the character that would make it 75 octets or more
    (the continuation's leading space not counted), never inside a UTF-8 character,
    and moves a trailing backslash or caret to the next line so an escape is never
    split. The same cuts, found on the encoded bytes a whole line at a time.
    """
    if len(line) < _FOLD_LIMIT:
        return line + b"\r\n"
    pieces = []
    start, size = 0, len(line)
    while size - start >= _FOLD_LIMIT:
        cut = start + _FOLD_LIMIT - 1
        while line[cut] & 0xC0 == 0x80:  # inside a UTF-8 sequence: cut before its first byte
            cut -= 1
        if line[cut - 1] in _ESCAPE_PREFIXES:
            cut -= 1
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


_FOLD_LIMIT = 75
_ESCAPE_PREFIXES = frozenset(b"\\^")


def _utc_stamp(value: datetime) -> bytes:
    utc = value.astimezone(UTC)
    return b"%04d%02d%02dT%02d%02d%02dZ" % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def _wall_time(value: datetime) -> bytes:
    return b"%04d%02d%02dT%02d%02d%02d" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second
    )


@functools.lru_cache(maxsize=64)
def _zone_prefixes(tz: ZoneInfo) -> tuple[bytes, bytes]:
    """``DTSTART;TZID=...:`` and ``DTEND;TZID=...:`` exactly as icalendar writes them for this zone."""
    ve = VEvent()
    ve["DTSTART"] = vDDDTypes(datetime(2000, 1, 1, tzinfo=tz))
    ve["DTEND"] = vDDDTypes(datetime(2000, 1, 1, tzinfo=tz))
    start, end = _inner(ve).split(b"\r\n")[:2]
    # Both lines end in the same value (20000101T000000): keep what comes before it.
    return start[: start.rindex(b":") + 1], end[: end.rindex(b":") + 1]


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    local = value.astimezone(tz)
    if local.fold and local.replace(fold=0).utcoffset() == local.utcoffset():
        # zoneinfo sets fold on some unambiguous times; only a real second occurrence matters.
        local = local.replace(fold=0)
    return local


def session_title(session) -> str:
    """What a calendar calls a session: the event's title, and the session's own if it has one."""
    # In the active language, through the same fallback as pages (events.content).
    event_title = session.event.localized("title").text
    if session.title:
        return _("%(event)s: %(session)s") % {"event": event_title, "session": session.localized("title").text}
    return event_title


def location_text(event, room: str = "") -> str:
    """Venue, room and address as one line a map search understands, or "Online"."""
    venue = event.venue_name
    if room:
        venue = _("%(venue)s, room %(room)s") % {"venue": venue, "room": room} if venue else room
    parts = [p for p in (venue, event.venue_address) if p]
    if not parts:
        return pgettext("event place", "Online") if event.online_url or event.online_note else ""
    if event.city.name not in event.venue_address:
        parts.append(event.city.name)
    return ", ".join(parts)


def _description(event, url: str) -> str:
    # The online meeting link is never written here: organizers may send it to participants only.
    paragraphs = [event.localized("summary").text, event.localized("description").text.strip(), event.online_note, url]
    return "\n\n".join(p for p in paragraphs if p)


def _address(person: Person, params: dict[str, str]) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    for name, value in params.items():
        address.params[name] = value
    return address


# --------------------------------------------------------------------------- time zones


@dataclass(frozen=True, slots=True)
class _Rule:
    month: int
    byday: str  # "-1SU", "2SU"
    local_time: timedelta  # wall-clock time of the change, in the offset before it
    offset_from: timedelta
    offset_to: timedelta
    name: str

    def instant(self, year: int) -> datetime:
        """The UTC instant of this change in ``year``."""
        weekday = _WEEKDAYS.index(self.byday[-2:])
        ordinal = int(self.byday[:-2])
        days = pycalendar.monthrange(year, self.month)[1]
        matching = [d for d in range(1, days + 1) if date(year, self.month, d).weekday() == weekday]
        day = matching[ordinal - 1] if ordinal > 0 else matching[ordinal]
        local = datetime(year, self.month, day) + self.local_time
        return (local - self.offset_from).replace(tzinfo=UTC)


def _transitions(tz: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(UTC instant, offset before, offset after) of every offset change in ``year``."""
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    before = day.astimezone(tz).utcoffset()
    while day.year == year:
        following = day + timedelta(days=1)
        after = following.astimezone(tz).utcoffset()
        if after != before:
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), before, after))
            before = after
        day = following
    return found


def _rule_for(tz: ZoneInfo, instant: datetime, offset_from: timedelta, offset_to: timedelta) -> _Rule:
    local = (instant + offset_from).replace(tzinfo=None)
    days = pycalendar.monthrange(local.year, local.month)[1]
    ordinal = -1 if local.day > days - 7 else (local.day - 1) // 7 + 1
    return _Rule(
        month=local.month,
        byday=f"{ordinal}{_WEEKDAYS[local.weekday()]}",
        local_time=local - datetime(local.year, local.month, local.day),
        offset_from=offset_from,
        offset_to=offset_to,
        name=instant.astimezone(tz).tzname() or "",
    )


def zone_rules(tzid: str, year: int) -> tuple[_Rule, _Rule] | timedelta | None:
    """The zone's rules in force in ``year``: (standard, daylight) rules, a fixed offset, or None.

    None means the zone does not follow two yearly rules over the next years (a rule
    change is coming, or it is not rule-based at all): the caller lists its transitions.
    """
    tz = ZoneInfo(tzid)
    changes = _transitions(tz, year)
    if not changes:
        offsets = {datetime(y, m, 1, tzinfo=UTC).astimezone(tz).utcoffset() for y in range(year, year + 6) for m in (1, 7)}
        return offsets.pop() if len(offsets) == 1 else None
    if len(changes) != 2:
        return None
    rules = [_rule_for(tz, *change) for change in changes]
    standard, daylight = sorted(rules, key=lambda r: r.offset_to)
    if standard.offset_to == daylight.offset_to:
        return None
    # Accept the rules only if they predict every change of the coming years to the second.
    for later in range(year + 1, year + 8):
        actual = sorted((instant, after) for instant, _before, after in _transitions(tz, later))
        predicted = sorted((rule.instant(later), rule.offset_to) for rule in (standard, daylight))
        if actual != predicted:
            return None
    return standard, daylight


@functools.lru_cache(maxsize=128)
def vtimezone(tzid: str, year: int) -> bytes:
    """The VTIMEZONE for ``tzid`` as Outlook, Google, Apple and Thunderbird all read it.

    Cached per zone and year: the rules are derived once per process and the bytes
    never change for the same tz database.
    """
    rules = zone_rules(tzid, year)
    if rules is None:
        component = Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 10, 1, 1))
        return component.to_ical()
    vtz = Timezone()
    vtz["TZID"] = vText(tzid)
    if isinstance(rules, timedelta):
        std = TimezoneStandard()
        std.add("DTSTART", datetime(1970, 1, 1))
        std.add("TZOFFSETFROM", rules)
        std.add("TZOFFSETTO", rules)
        name = datetime(year, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(tzid)).tzname()
        if name:
            std.add("TZNAME", name)
        vtz.add_component(std)
        return vtz.to_ical()
    for rule, component_class in zip(rules, (TimezoneStandard, TimezoneDaylight), strict=True):
        sub = component_class()
        # DTSTART is the rule's first occurrence in 1970, so it matches its own RRULE as RFC 5545 asks.
        sub.add("DTSTART", (rule.instant(1970) + rule.offset_from).replace(tzinfo=None))
        sub.add("TZOFFSETFROM", rule.offset_from)
        sub.add("TZOFFSETTO", rule.offset_to)
        sub.add("RRULE", vRecur({"FREQ": "YEARLY", "BYMONTH": rule.month, "BYDAY": rule.byday}))
        if rule.name:
            sub.add("TZNAME", rule.name)
        vtz.add_component(sub)
    return vtz.to_ical()
