"""The programme calendar feed: built through the view, against icalendar's own floor, and its 304.

    .venv/bin/python bench/ical_feed.py [--sessions 2000] [--repeat 7] [--database-url postgres://...]

Seeds a scratch database (SQLite in a temporary directory unless --database-url names
another, e.g. its own PostgreSQL database) with a programme of N sessions over the seven
EPI cities, then measures, as the median of --repeat runs:

* view   — GET /calendars/events.ics through Django's test Client: middleware, the
           fingerprint query, the sessions query, the builder, the response;
* floor  — the same sessions, already loaded, turned into a calendar the plain icalendar
           way: Calendar and Event components with the same properties and one to_ical();
           no database, no HTTP, not even the VTIMEZONEs;
* 304    — the same GET with If-None-Match: the fingerprint only, nothing built.

Two programmes are measured: a realistic mix (trainings of 4 to 8 sessions next to
one-off launches and round tables), and the worst case for the builder, where every
event has a single session and no per-event work can be shared.
Targets: view within 1.5x of the floor; 304 at least 20x faster than a full build.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CITIES = [
    ("Cartagena", "cartagena", "ES", "Europe/Madrid", "es", (37.6257, -0.9966)),
    ("Cluj-Napoca", "cluj-napoca", "RO", "Europe/Bucharest", "ro", (46.7712, 23.6236)),
    ("Dietzenbach", "dietzenbach", "DE", "Europe/Berlin", "de", (50.0086, 8.7775)),
    ("Linköping", "linkoping", "SE", "Europe/Stockholm", "sv", (58.4108, 15.6214)),
    ("Lublin", "lublin", "PL", "Europe/Warsaw", "pl", (51.2465, 22.5684)),
    ("Ravenna", "ravenna", "IT", "Europe/Rome", "it", (44.4184, 12.2035)),
    ("Riga", "riga", "LV", "Europe/Riga", "lv", (56.9496, 24.1052)),
]
MIXED = (1, 1, 2, 4, 6, 8)  # sessions per event, cycled: about 3.7 on average
DESCRIPTION = (
    "A round table on **participation**: how migrants' voices shape the local integration strategy.\n\n"
    "We meet neighbours, civil-society organisations and the city's departments; interpretation into "
    "Arabic, Ukrainian and Spanish is available — ask at registration. Café y té; ¡bienvenidos!"
)


def ensure_database(url: str) -> None:
    """Create the benchmark's own PostgreSQL database when it does not exist yet."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str | None, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    if database_url and database_url.startswith("postgres"):
        ensure_database(database_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(total: int, pattern: tuple[int, ...]) -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from events.models import City, Event, Registration, Session

    with transaction.atomic():
        Registration.objects.all().delete()
        Session.objects.all().delete()
        Event.objects.all().delete()
        cities = []
        for name, slug, country, zone, language, _geo in CITIES:
            city, _ = City.objects.get_or_create(
                slug=slug, defaults={"name": name, "country": country, "timezone": zone, "default_language": language}
            )
            cities.append(city)
        kinds, areas = list(Event.Kind), list(Event.Area)
        start = (timezone.now() - timedelta(days=60)).replace(minute=0, second=0, microsecond=0)
        created, number = 0, 0
        while created < total:
            count = min(pattern[number % len(pattern)], total - created)
            city = cities[number % len(cities)]
            geo = CITIES[number % len(CITIES)][5]
            event = Event.objects.create(
                city=city, kind=kinds[number % len(kinds)], area=areas[number % len(areas)], language="en",
                title=f"Intercultural training nº{number}: trust, language & participation — {city.name}",
                summary="Meet your neighbours; learn together.", description=DESCRIPTION,
                venue_name="Centro Cívico «Barrio Peral»", venue_address=f"Calle Mayor {number % 90 + 1}, {city.name}",
                latitude=geo[0] if number % 2 else None, longitude=geo[1] if number % 2 else None,
                status=Event.Status.PUBLISHED,
            )
            first = start + timedelta(days=number % 360, hours=number % 9)
            sessions = [
                Session(
                    event=event, starts_at=first + timedelta(days=7 * i), ends_at=first + timedelta(days=7 * i, hours=3),
                    title=f"Module {i + 1}" if count > 1 else "", room="Sala 2" if i % 3 == 0 else "",
                )
                for i in range(count)
            ]
            Session.objects.bulk_create(sessions)
            Event.objects.filter(pk=event.pk).update(
                starts_at=sessions[0].starts_at, ends_at=sessions[-1].ends_at
            )
            created += count
            number += 1


def floor(sessions, site_url: str) -> bytes:
    """What plain icalendar code does with the same sessions and the same properties."""
    from datetime import UTC, timedelta

    from icalendar import Calendar
    from icalendar import Event as VEvent

    host = site_url.split("://", 1)[1].split("/")[0].split(":")[0]
    cal = Calendar()
    cal.add("prodid", "-//European Pact for Integration//EPI Events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.calendar_name = "EPI Events: programme"
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for session in sessions:
        event = session.event
        tz = event.city.tzinfo
        url = site_url + event.get_absolute_url()
        ve = VEvent()
        ve.add("uid", f"session-{session.pk}@{host}")
        ve.add("dtstamp", max(session.updated_at, event.updated_at))
        ve.add("last-modified", max(session.updated_at, event.updated_at))
        ve.add("created", session.created_at.astimezone(UTC))
        ve.add("sequence", event.sequence + session.sequence)
        ve.add("dtstart", session.starts_at.astimezone(tz))
        ve.add("dtend", session.ends_at.astimezone(tz))
        ve.add("summary", f"{event.title}: {session.title}" if session.title else event.title)
        ve.add("description", "\n\n".join(p for p in (event.summary, event.description, url) if p))
        ve.add("location", ", ".join(p for p in (event.venue_name, event.venue_address) if p))
        ve.add("url", url, parameters={"VALUE": "URI"})
        if event.latitude is not None:
            ve.add("geo", (float(event.latitude), float(event.longitude)))
        ve.add("status", "CONFIRMED")
        ve.add("transp", "OPAQUE")
        ve.add("categories", [event.get_kind_display(), event.get_area_display()])
        cal.add_component(ve)
    # No VTIMEZONE here: add_missing_timezones() lists every transition since 1970 and would only
    # make the floor slower, while the builder caches its compact VTIMEZONEs per zone.
    return cal.to_ical()


def median_times(funcs: dict, repeat: int) -> tuple[dict[str, float], dict[str, object]]:
    """Median wall time of each function, run in turns so that a busy machine slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, func in funcs.items():
            start = time.perf_counter()
            results[name] = func()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}, results


def measure(label: str, total: int, pattern: tuple[int, ...], repeat: int) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from events.models import Event, Session

    seed(total, pattern)
    # The whole programme in one feed, rebuilt on every request: the builder is what is measured here
    # (bench/feeds.py measures the bounded, cached feeds).
    settings.CALENDAR_FEED_MAX_ITEMS = max(settings.CALENDAR_FEED_MAX_ITEMS, total)
    client = Client()
    url = reverse("calendars:events_feed")
    warm = client.get(url)  # imports, translation catalogues and the VTIMEZONE cache, as in a running worker
    assert warm.status_code == 200
    etag = warm["ETag"]
    sessions = list(Session.objects.select_related("event__city").order_by("starts_at", "pk"))
    times, results = median_times(
        {
            "view": lambda: (cache.clear(), client.get(url))[1],
            "floor": lambda: floor(sessions, settings.SITE_URL),
            "304": lambda: client.get(url, HTTP_IF_NONE_MATCH=etag),
        },
        repeat,
    )
    body, floor_body = results["view"].content, results["floor"]
    assert results["304"].status_code == 304 and results["view"]["ETag"] == etag
    vevents = body.count(b"BEGIN:VEVENT")
    assert vevents == len(sessions) == total, (vevents, len(sessions), total)
    return {
        "label": label,
        "events": Event.objects.count(),
        "sessions": vevents,
        "bytes": len(body),
        "floor_bytes": len(floor_body),
        **times,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="epi-ical-bench-") as tmp:
        setup_django(args.database_url, Path(tmp))
        from django.db import connection

        print(f"calendar feed benchmark: {args.sessions} sessions over {len(CITIES)} cities, "
              f"{connection.vendor}, median of {args.repeat} runs")
        results = [
            measure("mixed programme", args.sessions, MIXED, args.repeat),
            measure("one session per event", args.sessions, (1,), args.repeat),
        ]
    ok = True
    for r in results:
        ratio = r["view"] / r["floor"]
        speedup = r["view"] / r["304"]
        ok &= ratio <= 1.5 and speedup >= 20
        print(f"\n{r['label']}: {r['events']} events, {r['sessions']} sessions, {r['bytes'] / 1024:.0f} KiB "
              f"(floor's file {r['floor_bytes'] / 1024:.0f} KiB)")
        print(f"  view, full build       {r['view'] * 1000:8.1f} ms")
        print(f"  icalendar floor        {r['floor'] * 1000:8.1f} ms")
        print(f"  conditional GET, 304   {r['304'] * 1000:8.1f} ms")
        print(f"  view / floor           {ratio:8.2f}x   (target <= 1.5x)  {'ok' if ratio <= 1.5 else 'MISSED'}")
        print(f"  full build / 304       {speedup:8.0f}x   (target >= 20x)   {'ok' if speedup >= 20 else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
