"""The bytes-level VEVENT writer gives exactly the bytes of the component-by-component writer it replaced.

``_ReferenceWriter`` is ``events.ical._VEventWriter`` as it was before the writer
formatted and folded its lines itself (every line through icalendar's components),
and ``_reference_foldline`` is icalendar 7.3's folding, character by character. Both
are frozen here, so an icalendar upgrade that changes its output cannot make the
comparison pass by changing both sides.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Event as VEvent
from icalendar.prop import vCategory, vDatetime, vDDDTypes, vGeo, vInt, vText

from events import ical
from events.models import Event
from tests.events.calendar_support import RIGA, local, make_cartagena, make_event
from tests.factories import CityFactory

SITE = "https://events.example.org"


def _reference_foldline(line: str, limit: int = 75, fold_sep: str = "\r\n ") -> str:
    """icalendar 7.3's ``_foldline``, verbatim."""
    folded_lines: list[str] = []
    current_chars: list[str] = []
    byte_count = 0
    for char in line:
        char_byte_len = len(char.encode("utf-8"))
        if current_chars and byte_count + char_byte_len >= limit:
            if len(current_chars) > 1 and current_chars[-1] in r"\^":
                escaped_prefix = current_chars.pop()
                folded_lines.append("".join(current_chars))
                current_chars = [escaped_prefix]
                byte_count = len(escaped_prefix.encode("utf-8"))
            else:
                folded_lines.append("".join(current_chars))
                current_chars = []
                byte_count = 0
        current_chars.append(char)
        byte_count += char_byte_len
    if current_chars:
        folded_lines.append("".join(current_chars))
    return fold_sep.join(folded_lines)


class _ReferenceWriter:
    """The VEVENT writer before the bytes-level one: every per-session line through icalendar."""

    def __init__(self, site_url: str, extra: bytes):
        self.site_url = site_url
        self.host = ical.site_host(site_url)
        self.extra = extra
        self.zones: set[str] = set()
        self._events: dict[int, bytes] = {}
        self._lines: dict[tuple, bytes] = {}

    def vevent(self, entry):
        session = entry.session
        event = session.event
        status = ical.CANCELLED if event.status == "cancelled" else entry.status
        self.zones.add(event.city.timezone)
        parts = [b"BEGIN:VEVENT\r\n", ical._inner(self._session_properties(entry, status, event.city.tzinfo))]
        described = self._events.get(event.pk)
        if described is None:
            url = self.site_url + event.get_absolute_url()
            ve = VEvent()
            ve["URL"] = vText(url)
            ve["URL"].params["VALUE"] = "URI"
            ve["DESCRIPTION"] = vText(ical._description(event, url))
            described = self._events[event.pk] = ical._inner(ve)
        parts.append(described)
        parts.append(self._line(("STATUS", status), lambda: {
            "STATUS": vText(status), "TRANSP": vText("TRANSPARENT" if status == ical.CANCELLED else "OPAQUE"),
        }))
        parts.append(self._line(("CATEGORIES", event.kind, event.area), lambda: {
            "CATEGORIES": vCategory([event.get_kind_display(), event.get_area_display()]),
        }))
        location = ical.location_text(event, session.room)
        if location:
            parts.append(self._line(("LOCATION", location), lambda: {"LOCATION": vText(location)}))
        if event.latitude is not None and event.longitude is not None:
            geo = (float(event.latitude), float(event.longitude))
            parts.append(self._line(("GEO", geo), lambda: {"GEO": vGeo(geo)}))
        parts.append(self.extra)
        parts.append(b"END:VEVENT\r\n")
        return b"".join(parts)

    def _line(self, key, properties):
        lines = self._lines.get(key)
        if lines is None:
            ve = VEvent()
            for name, value in properties().items():
                ve[name] = value
            lines = self._lines[key] = ical._inner(ve)
        return lines

    def _session_properties(self, entry, status, tz):
        session = entry.session
        event = session.event
        changed = max(d for d in (session.updated_at, event.updated_at, entry.changed_at) if d is not None)
        stamp = vDatetime(changed.astimezone(UTC))
        title = ical.session_title(session)
        label = entry.label or (pgettext("event status", "Cancelled") if status == ical.CANCELLED else "")
        if label:
            title = _("%(label)s: %(title)s") % {"label": label, "title": title}
        ve = VEvent()
        ve["UID"] = vText(f"session-{session.pk}@{self.host}")
        ve["DTSTAMP"] = stamp
        ve["LAST-MODIFIED"] = stamp
        ve["CREATED"] = vDatetime(session.created_at.astimezone(UTC))
        ve["SEQUENCE"] = vInt(event.sequence + session.sequence)
        start, end = ical._local(session.starts_at, tz), ical._local(session.ends_at, tz)
        if start.fold or end.fold:
            start, end = session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
        ve["DTSTART"] = vDDDTypes(start)
        ve["DTEND"] = vDDDTypes(end)
        ve["SUMMARY"] = vText(title)
        return ve


# Text meant to land escapes, multi-byte characters and emoji on the 75-octet boundaries.
TITLES = [
    "Launch",
    "Ģimeņu diena Rīgā: kopā — 👨‍👩‍👧‍👦 un 🇱🇻🇪🇺, " * 3,
    "ورشة عمل حول المشاركة المدنية للمهاجرين في المدينة، مع ترجمة إلى العربية والأوكرانية",
    "Back\\slash; comma, semi; " + "x" * 60 + "\\\\\\;;;,,," + "^" * 20 + "\\N literal",
    "a" * 73 + "\\" + "b" * 73 + "^" + "c" * 80 + "é" * 40 + "😀" * 30,
    "Україна — зустріч громади «Разом»\r\nдругий рядок\rтретій\nчетвертий",
    "中文标题与日本語のタイトル、한국어 제목도 함께 " * 4,
]


@pytest.fixture
def programme(city, other_city, organizer):
    cartagena = make_cartagena()
    sunny = CityFactory(name="Tōkyō, «Edo»; 東京", slug="tokyo", timezone="Asia/Tokyo", country="JP")
    cities = [city, other_city, cartagena, sunny]
    events = []
    number = 0
    for kind in Event.Kind:
        for area in Event.Area:
            title = TITLES[number % len(TITLES)]
            online = number % 4 == 3
            host = cities[number % len(cities)]
            start = local(RIGA, 2027, 1 + number % 12, 1 + number % 27, 9 + number % 8)
            event = make_event(
                host,
                [start + timedelta(days=7 * i) for i in range(1 + number % 3)],
                kind=kind, area=area, title=title[:200],
                summary=TITLES[(number + 2) % len(TITLES)][:300],
                description=(TITLES[(number + 3) % len(TITLES)] + "\n\n") * (1 + number % 4),
                venue_name="" if online else "Centro Cívico «Barrio Peral», sala 2; piso 1",
                venue_address="" if online else f"Calle Mayor {number}, {host.name}",
                online_url="https://meet.example.org/x" if online else "",
                online_note="The link, sent the day before; 🎥" if online else "",
                latitude=None if online or number % 3 == 0 else Decimal("56.949600"),
                longitude=None if online or number % 3 == 0 else Decimal("24.105200"),
                translations={"ar": {"title": TITLES[2] + " (ar)"}} if number % 5 == 0 else {},
                sequence=number % 3,
            )
            for i, session in enumerate(event.sessions.all()):
                session.title = TITLES[(number + i) % len(TITLES)][:200] if i else ""
                session.room = "Sala 2, «B»" if i % 2 else ""
                session.save()
            events.append(event)
            number += 1
    from events.services.events import event_cancel

    event_cancel(event=events[1], actor=organizer)
    # The October night hour that happens twice in Riga: written in UTC.
    events.append(make_event(city, [datetime(2027, 10, 31, 1, 30, tzinfo=UTC)], hours=0.5, title=TITLES[4][:200]))
    return events


def _sessions(events):
    from events.models import Session

    return list(Session.objects.filter(event__in=events).select_related("event__city").order_by("pk"))


def _both(monkeypatch, build):
    new = build()
    with monkeypatch.context() as patch:
        patch.setattr(ical, "_VEventWriter", _ReferenceWriter)
        old = build()
    return new, old


@pytest.mark.parametrize("language", ["en", "ar", "lv", "uk"])
def test_feeds_files_and_invitations_are_byte_identical_to_the_former_writer(programme, monkeypatch, language):
    sessions = _sessions(programme)
    labels = ["", "On the waiting list", "Cancelled; «x», \\ y"]
    statuses = [ical.CONFIRMED, ical.TENTATIVE, ical.CANCELLED]
    entries = [
        ical.Entry(s, status=statuses[i % 3], label=labels[i % 3],
                   changed_at=s.updated_at + timedelta(hours=1) if i % 2 else None)
        for i, s in enumerate(sessions)
    ]
    with translation.override(language):
        builds = {
            "feed": lambda: ical.feed_file(
                entries, name="EPI Events: Rīga, ورشة", site_url=SITE, description="Programme; 🎉", zone="Europe/Riga"
            ),
            "event": lambda: ical.event_file(sessions[:5], site_url=SITE),
            "invitation": lambda: ical.invitation_file(
                entries[:4], method=ical.REQUEST, site_url=SITE,
                organizer=ical.Person("noreply@example.org", "EPI, Events"),
                attendee=ical.Person("amira@example.org", "أميرة «Amira» O'Neil; \\"),
                partstat="ACCEPTED",
            ),
        }
        for name, build in builds.items():
            new, old = _both(monkeypatch, build)
            assert new == old, name
    assert new.count(b"BEGIN:VEVENT") == 4
    assert len(entries) > 30


def test_the_data_set_covers_what_it_claims(programme):
    sessions = _sessions(programme)
    data = ical.feed_file([ical.Entry(s) for s in sessions], name="All", site_url=SITE)
    assert {s.event.kind for s in sessions} == set(Event.Kind)
    assert b"STATUS:CANCELLED" in data and b"LOCATION:Online" in data
    assert b"DTSTART:20271031T013000Z" in data and b"TZID=Asia/Tokyo" in data
    assert "العربية".encode() in data and "😀".encode() in data
    assert any(len(line) == 75 for line in data.split(b"\r\n"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\\^;,é€😀ع \t") | st.characters(), max_size=400))
def test_folding_cuts_where_icalendar_cuts(text):
    line = "DESCRIPTION:" + text.replace("\n", "").replace("\r", "")
    try:
        encoded = line.encode()
    except UnicodeEncodeError:
        return  # lone surrogates: no text of ours holds one
    assert ical._fold(encoded) == _reference_foldline(line).encode() + b"\r\n"
