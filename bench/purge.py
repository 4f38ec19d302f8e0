"""The retention purge on a million expired registrations, while people keep registering.

    .venv/bin/python bench/purge.py [--registrations 1000000] [--batch-size 1000]
        [--probes 200] [--database-url postgres://postgres@127.0.0.1:5432/epi_purge_bench]

What it does, all on this machine:

1. drops and creates its own PostgreSQL database (``epi_purge_bench`` unless told otherwise)
   and migrates it;
2. writes, with ``generate_series`` (seconds, not hours), one city, 1,000 events that ended two
   years ago with one question each, 10,000 people, ``--registrations`` confirmed registrations
   spread over those events, one answer per registration and one sent email per registration
   (two years old), then ANALYZE;
3. times ``--probes`` registrations (``registration_create``, the participant's path, new people,
   a fresh open event) on the idle database;
4. runs ``retention_purge`` (batches of ``--batch-size``) and, at the same time on another
   connection, one registration every 50 ms for as long as the purge runs;
5. prints, per step, rows changed and rows/s; the longest batch transaction (the longest any row
   lock of the purge is held: each batch is one transaction, nothing else takes locks); the
   registration times (median, 95th percentile, max) idle vs during the purge; then checks that
   nothing personal is left and that a second run changes nothing.

Targets: registrations during the purge no slower than 2x idle at the median, the longest
batch under one second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/epi_purge_bench")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


EVENTS = 1000
PEOPLE = 10_000

SEED_SQL = [
    # People: bench-<n>@example.org, joined three years ago, active recently (not "inactive").
    """
    INSERT INTO accounts_user (password, last_login, is_superuser, is_staff, is_active, date_joined,
                               email, full_name, preferred_language, calendar_token)
    SELECT '!', now() - interval '1 day', false, false, true, now() - interval '3 years',
           'bench-' || n || '@example.org', 'Bench Person ' || n, 'en', md5('cal' || n) || md5('x' || n)
    FROM generate_series(1, %(people)s) AS n
    """,
    """
    INSERT INTO events_event (city_id, kind, area, title, summary, description, language, venue_name,
        venue_address, online_url, online_note, status, requires_approval, eligibility_percent, sequence,
        created_at, updated_at, starts_at, ends_at)
    SELECT %(city)s, 'workshop', 'interaction', 'Old workshop ' || n, '', '', 'en', '', '', '', '',
           'published', false, 75, 0, now() - interval '2 years', now() - interval '2 years',
           now() - interval '2 years' - interval '2 hours', now() - interval '2 years'
    FROM generate_series(1, %(events)s) AS n
    """,
    """
    INSERT INTO events_question (event_id, label, label_translations, help_text, kind, required, sensitive,
                                 choices, position)
    SELECT id, 'Access needs', '{}', '', 'short_text', false, false, '[]', 0 FROM events_event
    """,
    # Registration i: event i / per_event, person i %% people, so nobody is twice in one event.
    """
    INSERT INTO events_registration (event_id, user_id, status, source, consent_text_version,
        consent_given_at, decision_message, cancel_reason, checkin_code, created_at, updated_at)
    SELECT e.first_id + (i / %(per_event)s), u.first_id + (i %% %(people)s), 'confirmed', 'online', '2026-11',
           now() - interval '2 years', '', '', substr(md5('r' || i), 1, 16),
           now() - interval '2 years', now() - interval '2 years'
    FROM generate_series(0, %(registrations)s - 1) AS i,
         (SELECT min(id) AS first_id FROM events_event) AS e,
         (SELECT min(id) AS first_id FROM accounts_user) AS u
    """,
    """
    INSERT INTO events_answer (registration_id, question_id, value)
    SELECT r.id, q.id, to_jsonb('needs a ramp, person ' || r.user_id) FROM events_registration r
    JOIN events_question q ON q.event_id = r.event_id
    """,
    """
    INSERT INTO events_outgoingemail (user_id, event_id, to_email, template, language, subject, body_text,
        body_html, is_secret, secret_text, secret_html, calendar_method, calendar_body, attachment_name,
        attachment_path, attachment_mimetype, status, attempts, last_error, created_at, sent_at)
    SELECT r.user_id, r.event_id, 'bench-' || r.user_id || '@example.org', 'registration_confirmed', 'en',
           'You are registered', 'Hello, you are registered for the workshop.', '<p>Hello</p>', false, '', '',
           'REQUEST', 'BEGIN:VCALENDAR', '', '', '', 'sent', 1, '', now() - interval '2 years',
           now() - interval '2 years'
    FROM events_registration r
    """,
]


def seed(registrations: int) -> None:
    from django.db import connection

    from events.models import City

    city = City.objects.create(
        name="Bench", slug="bench", country="LV", timezone="Europe/Riga", default_language="en"
    )
    params = {
        "city": city.pk, "events": EVENTS, "people": PEOPLE, "registrations": registrations,
        "per_event": -(-registrations // EVENTS),
    }
    with connection.cursor() as cursor:
        for statement in SEED_SQL:
            started = time.perf_counter()
            cursor.execute(statement, params)
            print(f"  seeded {cursor.rowcount:>9,} rows in {time.perf_counter() - started:6.1f} s: "
                  f"{statement.split('INTO')[1].split()[0]}")
        cursor.execute("ANALYZE")


def probe_event():
    from datetime import timedelta

    from django.utils import timezone

    from events.models import City, Event, Session
    from events.services.events import _refresh_event_dates

    city = City.objects.get(slug="bench")
    event = Event.objects.create(
        city=city, kind="launch", area="interaction", title="Open launch", language="en", status="published"
    )
    start = timezone.now() + timedelta(days=7)
    Session.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=2))
    _refresh_event_dates(event)
    return event


def register_many(event, prefix: str, count: int | None, pause: float, out: list[float], stop=None) -> None:
    """Register new people one after another: ``count`` of them, or until ``stop`` is set."""
    from django.db import connection

    from accounts.models import User
    from events.services.registrations import registration_create

    i = 0
    while (count is None or i < count) and not (stop is not None and stop.is_set()):
        person = User.objects.create_user(f"{prefix}-{i}@example.org", full_name=f"{prefix} {i}")
        started = time.perf_counter()
        registration_create(event=event, user=person, consent_version="2026-12")
        out.append(time.perf_counter() - started)
        i += 1
        if pause:
            time.sleep(pause)
    connection.close()


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
            f"max {ordered[-1] * 1000:6.1f} ms (n={len(ordered)})")


def main() -> int:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    print(f"database {args.database_url}: recreating and migrating")
    recreate_database(args.database_url)
    import django

    django.setup()
    from events.models import Answer, Registration
    from outbox.models import OutgoingEmail
    from privacy.services import retention

    started = time.perf_counter()
    seed(args.registrations)
    print(f"seeded in {time.perf_counter() - started:.0f} s")

    event = probe_event()
    idle: list[float] = []
    register_many(event, "idle", args.probes, 0.0, idle)

    # Time every batch: each is one transaction, the longest any purge lock is held.
    batches: list[float] = []
    original = retention._in_batches

    def timed_batches(queryset, work, batch_size):
        def timed(ids):
            t = time.perf_counter()
            try:
                return work(ids)
            finally:
                batches.append(time.perf_counter() - t)

        return original(queryset, timed, batch_size)

    retention._in_batches = timed_batches
    busy: list[float] = []
    stop = threading.Event()
    # One registration every 50 ms on its own connection, for as long as the purge runs.
    thread = threading.Thread(target=register_many, args=(event, "busy", None, 0.05, busy, stop))
    started = time.perf_counter()
    thread.start()
    run = retention.retention_purge(batch_size=args.batch_size)
    purge_seconds = time.perf_counter() - started
    stop.set()
    thread.join()

    changed = sum(run.counts.values())
    print()
    print(f"purge: {purge_seconds:.1f} s, {changed:,} rows changed, {changed / purge_seconds:,.0f} rows/s")
    for step, count in run.counts.items():
        print(f"  {step:<18} {count:>10,}")
    print(f"longest batch transaction (longest lock held): {max(batches) * 1000:.0f} ms "
          f"over {len(batches):,} batches of {args.batch_size}; median {statistics.median(batches) * 1000:.0f} ms")
    print(f"registration, idle database:   {summary(idle)}")
    print(f"registration, during the purge: {summary(busy)}")
    ratio = statistics.median(busy) / statistics.median(idle)
    print(f"median during / idle: {ratio:.2f}x")

    left = {
        "registrations with a person": Registration.objects.filter(
            event__title__startswith="Old workshop", user__isnull=False
        ).count(),
        "answers": Answer.objects.filter(registration__event__title__startswith="Old workshop").count(),
        "email bodies": OutgoingEmail.objects.filter(event__title__startswith="Old workshop").exclude(
            body_text=""
        ).count(),
    }
    print("left after the purge:", left)
    second = retention.retention_purge(batch_size=args.batch_size)
    print("second run:", second.counts)
    ok = not any(left.values()) and not any(second.counts.values())
    print("targets:", "met" if ok and ratio <= 2 and max(batches) < 1 else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
