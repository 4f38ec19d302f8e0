"""Public calendar feeds at issue 18's full size on PostgreSQL: rebuild, cached 200, 304, and the former feed.

    .venv/bin/python bench/feeds.py [--events 100000] [--repeat 7] [--no-old]
        [--database-url postgres://postgres@127.0.0.1:5432/epi_feeds_bench] [--keep] [--reuse]

Drops and creates its own PostgreSQL database, migrates it and bulk-inserts (in batches)
100,000 events over the seven EPI cities, three weekly sessions each, spread from three
years ago to two years ahead (92 % published, 4 % drafts, 4 % cancelled, a third of them
recently), each last changed some weeks before it starts. Then, through Django's test
Client in this process, as the median of --repeat runs (wall and CPU time):

* rebuild    — GET /calendars/cities/riga.ics with an empty cache: fingerprint, the
               bounded and trimmed selection, the builder, compression, the cache write;
* cached 200 — the same GET again: fingerprint, body from the cache, decompressed;
* 304        — the same GET with If-None-Match: fingerprint only;
* the programme feed /calendars/events.ics rebuilt, for its size and time;
* /healthz, a view that answers "ok" through the same middleware, for scale;

with the queries of each, the EXPLAIN ANALYZE of the fingerprint and of the rows query,
and, side by side, the former behaviour (unless --no-old): every session of the city from
90 days ago to any future date, built by the former component-by-component writer
(tests/events/test_ical_writer.py keeps it as the reference), once; and both writers on
the bounded feed's sessions, already loaded.

Targets (issue 18): city feed rebuild <= 1 s and <= 2 MB; cached 200 <= 10 ms; 304 <= 5 ms;
the same query count whatever the size. Figures are printed, not enforced (the machine is
shared and noisy: read the CPU column when wall time is polluted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/epi_feeds_bench"

CITIES = [
    ("Cartagena", "cartagena", "ES", "Europe/Madrid", "es", (37.6257, -0.9966)),
    ("Cluj-Napoca", "cluj-napoca", "RO", "Europe/Bucharest", "ro", (46.7712, 23.6236)),
    ("Dietzenbach", "dietzenbach", "DE", "Europe/Berlin", "de", (50.0086, 8.7775)),
    ("Linköping", "linkoping", "SE", "Europe/Stockholm", "sv", (58.4108, 15.6214)),
    ("Lublin", "lublin", "PL", "Europe/Warsaw", "pl", (51.2465, 22.5684)),
    ("Ravenna", "ravenna", "IT", "Europe/Rome", "it", (44.4184, 12.2035)),
    ("Riga", "riga", "LV", "Europe/Riga", "lv", (56.9496, 24.1052)),
]
DESCRIPTION = (
    "A round table on **participation**: how migrants' voices shape the local integration strategy.\n\n"
    "We meet neighbours, civil-society organisations and the city's departments; interpretation into "
    "Arabic, Ukrainian and Spanish is available — ask at registration. Café y té; ¡bienvenidos!"
)
BATCH = 5000


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def setup_django(url: str, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = url
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(total: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from events.models import City, Event, Session

    cities = [
        City.objects.create(name=name, slug=slug, country=country, timezone=zone, default_language=language)
        for name, slug, country, zone, language, _geo in CITIES
    ]
    kinds, areas = list(Event.Kind), list(Event.Area)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(days=3 * 365)
    span = timedelta(days=5 * 365)
    for offset in range(0, total, BATCH):
        with transaction.atomic():
            events = []
            for number in range(offset, min(total, offset + BATCH)):
                city = cities[number % len(cities)]
                geo = CITIES[number % len(CITIES)][5]
                starts = first + span * number / total + timedelta(hours=number % 9)
                status = Event.Status.PUBLISHED
                cancelled_at = None
                if number % 25 == 3:
                    status = Event.Status.DRAFT
                elif number % 25 == 7:
                    status = Event.Status.CANCELLED
                    cancelled_at = now - timedelta(days=number % 90)
                events.append(Event(
                    city=city, kind=kinds[number % len(kinds)], area=areas[number % len(areas)], language="en",
                    title=f"Intercultural training nº{number}: trust, language & participation — {city.name}",
                    summary="Meet your neighbours; learn together.", description=DESCRIPTION,
                    venue_name="Centro Cívico «Barrio Peral»", venue_address=f"Calle Mayor {number % 90 + 1}",
                    latitude=geo[0] if number % 2 else None, longitude=geo[1] if number % 2 else None,
                    status=status, cancelled_at=cancelled_at, starts_at=starts,
                    ends_at=starts + timedelta(days=14, hours=3), search_text=f"training {number}",
                ))
            Event.objects.bulk_create(events)
            Session.objects.bulk_create(
                [
                    Session(
                        event=event, starts_at=event.starts_at + timedelta(days=7 * i),
                        ends_at=event.starts_at + timedelta(days=7 * i, hours=3),
                        title=f"Module {i + 1}", room="Sala 2" if i == 0 else "",
                    )
                    for event in events
                    for i in range(3)
                ],
                batch_size=BATCH,
            )
    with connection.cursor() as cursor:
        # Each event last changed some weeks before it starts (never in the future), its sessions with it.
        cursor.execute(
            "UPDATE events_event SET updated_at = LEAST(starts_at - (id %% 60) * interval '1 day', %s)", [now]
        )
        cursor.execute(
            "UPDATE events_session s SET updated_at = e.updated_at - (s.id % 7) * interval '1 minute' "
            "FROM events_event e WHERE e.id = s.event_id"
        )
        cursor.execute("VACUUM ANALYZE events_event")
        cursor.execute("VACUUM ANALYZE events_session")


def timed(func, repeat: int, before=None) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``func`` over ``repeat`` runs (``before`` runs untimed before each)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        if before:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), result


def queries_of(func) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return [query["sql"] for query in captured.captured_queries]


def explain(sql: str, label: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\nEXPLAIN ANALYZE, {label}:\n    {sql[:300]}{' ...' if len(sql) > 300 else ''}")
    for line in plan:
        print("   ", line)


def old_city_feed(city) -> bytes:
    """The former city feed: every session of the city from 90 days ago on, by the former writer."""
    from django.conf import settings
    from django.utils import timezone

    from events import ical
    from events.models import Event, Session
    from events.views import calendar
    from tests.events.test_ical_writer import _ReferenceWriter

    now = timezone.now()
    events = Event.objects.in_public_feed(now, cancelled_kept=calendar.CANCELLED_KEPT).filter(
        city=city, ends_at__gte=now - calendar.PUBLIC_PAST
    )
    rows = Session.objects.filter(event__in=events.values("pk")).select_related("event__city").only(
        *calendar.SESSION_FIELDS
    )
    entries = [ical.Entry(session) for session in rows]
    writer, ical._VEventWriter = ical._VEventWriter, _ReferenceWriter
    try:
        return ical.feed_file(entries, name=f"EPI Events: {city.name}", site_url=settings.SITE_URL, zone=city.timezone)
    finally:
        ical._VEventWriter = writer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-old", action="store_true", help="skip the former feed (about 10 s at full size)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="leave the database for a later --reuse")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left (no seeding)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("bench/feeds.py measures PostgreSQL: give --database-url postgres://...")
    if not args.reuse:
        recreate_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix="epi-feeds-bench-") as tmp:
        setup_django(args.database_url, Path(tmp))
        started = time.perf_counter()
        if not args.reuse:
            seed(args.events)
        seeded = time.perf_counter() - started
        run(args, seeded)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)


def run(args, seeded: float) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from events import ical
    from events.models import City, Event, Session
    from events.views import calendar

    riga = City.objects.get(slug="riga")
    print(f"feeds benchmark: {Event.objects.count():,} events, {Session.objects.count():,} sessions over "
          f"{City.objects.count()} cities on PostgreSQL (seeded in {seeded:.0f} s); "
          f"horizon {settings.CALENDAR_FEED_HORIZON_DAYS} days, at most {settings.CALENDAR_FEED_MAX_ITEMS} items; "
          f"median of {args.repeat} runs")
    client = Client()
    city_url = reverse("calendars:city_feed", kwargs={"slug": "riga"})
    programme_url = reverse("calendars:events_feed")
    warm = client.get(city_url)  # imports, catalogues, VTIMEZONEs: as in a worker that has been up a while
    assert warm.status_code == 200
    etag = warm["ETag"]

    for _ in range(50):
        client.get("/healthz")
    trivial = timed(lambda: [client.get("/healthz") for _ in range(20)], args.repeat)
    trivial = (trivial[0] / 20, trivial[1] / 20, None)
    rebuild = timed(lambda: client.get(city_url), args.repeat, before=cache.clear)
    cached = timed(lambda: client.get(city_url), args.repeat)
    not_modified = timed(lambda: client.get(city_url, HTTP_IF_NONE_MATCH=etag), args.repeat)
    programme = timed(lambda: client.get(programme_url), max(3, args.repeat // 2), before=cache.clear)
    body = rebuild[2].content
    assert cached[2].content == body and not_modified[2].status_code == 304
    cache.clear()
    counts = {
        "rebuild": queries_of(lambda: client.get(city_url)),
        "cached 200": queries_of(lambda: client.get(city_url)),
        "304": queries_of(lambda: client.get(city_url, HTTP_IF_NONE_MATCH=etag)),
        "/healthz": queries_of(lambda: client.get("/healthz")),
    }
    day = calendar._feed_day(timezone.now())
    window = Session.objects.in_public_feed(
        events=Event.objects.in_public_feed(day, cancelled_kept=calendar.CANCELLED_KEPT).filter(city=riga),
        since=day - calendar.PUBLIC_PAST, until=day + timedelta(days=settings.CALENDAR_FEED_HORIZON_DAYS),
    )
    in_window = window.count()

    print(f"\ncity feed /calendars/cities/riga.ics: {body.count(b'BEGIN:VEVENT'):,} sessions kept of "
          f"{in_window:,} in the window, {len(body) / 1e6:.2f} MB "
          f"({len(__import__('zlib').compress(body, calendar.BODY_COMPRESSION)) / 1e6:.2f} MB in the cache)")
    print(f"  {'':<12} {'wall ms':>9} {'CPU ms':>9} {'queries':>8}   target")
    for label, (wall, cpu, _r), target in (
        ("rebuild", rebuild, "<= 1000 ms, <= 2 MB"),
        ("cached 200", cached, "<= 10 ms"),
        ("304", not_modified, "<= 5 ms"),
        ("/healthz", trivial, "(no database: the request plumbing alone, for scale)"),
    ):
        print(f"  {label:<12} {wall * 1000:9.1f} {cpu * 1000:9.1f} {len(counts[label]):8d}   {target}")
    pbody = programme[2].content
    print(f"\nprogramme feed /calendars/events.ics: {pbody.count(b'BEGIN:VEVENT'):,} sessions, "
          f"{len(pbody) / 1e6:.2f} MB, rebuild {programme[0] * 1000:.0f} ms wall, {programme[1] * 1000:.0f} ms CPU")

    # Both writers on the bounded feed's sessions, already loaded: the builder alone.
    from tests.events.test_ical_writer import _ReferenceWriter

    rows = list(
        window.newest_changes_first().select_related("event__city").only(*calendar.SESSION_FIELDS)[
            : settings.CALENDAR_FEED_MAX_ITEMS
        ]
    )
    entries = [ical.Entry(s) for s in rows]

    def build():
        return ical.feed_file(entries, name="EPI Events: Riga", site_url=settings.SITE_URL, zone=riga.timezone)

    new_wall, new_cpu, new_body = timed(build, args.repeat)
    ical._VEventWriter, writer = _ReferenceWriter, ical._VEventWriter
    try:
        old_wall, old_cpu, old_body = timed(build, max(3, args.repeat // 2))
    finally:
        ical._VEventWriter = writer
    assert new_body == old_body, "the writers disagree"
    print(f"\nbuilder alone, {len(entries):,} sessions loaded: bytes-level writer {new_cpu * 1000:.0f} ms CPU, "
          f"former writer {old_cpu * 1000:.0f} ms CPU ({old_cpu / new_cpu:.1f}x), identical bytes")
    if not args.no_old:
        wall, cpu, old = timed(lambda: old_city_feed(riga), 1)
        print(f"\nformer city feed (unbounded, former writer, no body cache): {old.count(b'BEGIN:VEVENT'):,} "
              f"sessions, {len(old) / 1e6:.1f} MB, {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU for every "
              f"request that is not a 304")

    for number, sql in enumerate(counts["rebuild"], 1):
        explain(sql, f"query {number} of {len(counts['rebuild'])} of a rebuild (a 304 runs the first "
                     f"{len(counts['304'])})")


if __name__ == "__main__":
    main()
