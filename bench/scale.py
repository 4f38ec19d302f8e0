"""The public and personal pages at 100,000 events, next to a trivial signed-in view.

    .venv/bin/python bench/scale.py [--events 100000] [--registrations 1000000] [--users 20000]
        [--repeat 30] [--rounds 3] [--sizes 10,1]
        [--database-url postgres://postgres@127.0.0.1:5432/epi_scale_bench]

Seeds its own PostgreSQL databases (dropped and created), one per size — 1/10 of the sizes in
``epi_scale_bench_1of10``, the full sizes in ``epi_scale_bench`` (``--sizes 10,1``; ``--sizes 1``
for the full size only) — and measures them in turns, ``--rounds`` times, keeping each page's
best round per size, so both sizes are measured under the same load. Each holds the seven EPI
cities, events of every kind and area spread from three years ago to two years ahead (about
half of them still to come), three sessions each, and registrations spread over them; one
event has 5,000 people (2,500 confirmed, 2,500 waiting) and one person has 200 registrations.
Rows are written with ``COPY`` (a minute or two at full size), then ``VACUUM ANALYZE``.

Then, in this process, through Django's test ``Client`` with production settings
(``config.settings``, ``DEBUG`` off, the embedded default: background email thread, local
memory cache), warm requests only, it prints for each page p50 / p95 ms, queries, SQL ms
(the database's share), the CPU time of this process (steadier than wall time on a
shared machine), bytes of HTML and the ratio to the trivial view:

* trivial     — a signed-in view added by this script: session and user loaded, one indexed row read;
* programme   — ``/`` (the next 12 events);
* events      — ``/events/`` (page 1 of everything to come);
* filtered    — ``/events/?city=riga&area=interaction``;
* search      — ``/events/?city=riga&area=interaction&q=<word>``;
* event       — the page of the 5,000-person event, signed in as one of them;
* my regs     — ``/me/registrations/`` of the person with 200 registrations;
* organizer   — the organizer's registrations page 50 of the 5,000-person event;
* city feed   — ``/calendars/cities/riga.ics`` (cached answer) and its conditional ``304``;
* feed build  — the same feed with its cache cleared (a rebuild), with its size;
* register    — a registration ``POST`` (a new event each time), 302 to the event page, back to back;
* register idle — the same, each one once the background thread has sent the previous one's email.

For each page it also prints the growth of p50 from the small to the full size (target ≤ 1.3×),
whether the query count stays the same, and the ``EXPLAIN ANALYZE`` at full size of the page's
main query (the one the planner costs highest). Targets (issue 18): programme, events and filtered ≤ 30 ms p50 at full size; the
event page ≤ 15 ms; my registrations ≤ 40 ms and ≤ 150 KB; a cached feed ≤ 10 ms, a 304 ≤ 5 ms,
a rebuild ≤ 1 s and ≤ 2 MB; text search ≤ 50 ms; a registration ≥ 50 % of the trivial view's
rate (issue 11).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
import types
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cities import CITIES  # bench/ is on sys.path when one of its scripts runs

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "dialogue", "neighbourhood", "language", "housing", "employment", "youth", "women", "sport", "culture",
    "health", "school", "volunteering", "mentoring", "citizenship", "welcome", "festival", "cooking",
    "theatre", "library", "football", "music", "garden", "elders", "families", "entrepreneurs", "rights",
    "participation", "council", "strategy", "pact", "evaluation", "competence", "bias", "media", "religion",
    "traditions", "careers", "training", "workshop", "roundtable", "forum", "partnership", "services",
    "information", "advice", "counselling", "networks", "ngos", "outreach", "belonging",
]
SEARCH_WORD = "mentoring"


def create_database(database_url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def use_database(name: str) -> None:
    """Point Django's connection at another of this script's databases (each size has its own, so
    the sizes can be measured in turns, under the same load), with an empty cache."""
    from django.core.cache import cache
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name
    cache.clear()


def setup(database_url: str) -> None:
    create_database(database_url, urlsplit(database_url).path.lstrip("/"))
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        DATABASE_URL=database_url,
        EMAIL_URL="dummymail://",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    _install_trivial_view()


def _install_trivial_view() -> None:
    """``/bench/trivial/``: what every signed-in page pays before its own work (middleware, session,
    user) plus one indexed row read, so each page's ratio to it is the page's own cost."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from config import urls
    from events.models import City

    def trivial(request):
        assert request.user.is_authenticated
        city = City.objects.filter(pk=request.user.pk % 7 + 1).only("pk", "name").first()
        return HttpResponse(f"ok {city.pk if city else 0}", content_type="text/plain")

    module = types.ModuleType("bench_scale_urls")
    module.urlpatterns = [path("bench/trivial/", trivial), *urls.urlpatterns]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        if hasattr(urls, name):
            setattr(module, name, getattr(urls, name))
    sys.modules["bench_scale_urls"] = module
    settings.ROOT_URLCONF = "bench_scale_urls"
    clear_url_caches()


# ---------------------------------------------------------------------------------------------
# Seeding with COPY


def _columns(model, given: tuple[str, ...], now):
    """Every concrete column of ``model`` but its id: the given ones by name, the others at their
    default (``now`` for timestamps), as one template row."""
    import json

    from django.db.models import JSONField

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns, template = [], []
    for field in fields:
        columns.append(field.column)
        if field.attname in given:
            template.append(given.index(field.attname))
            continue
        if field.has_default():
            value = field.get_default()
            if isinstance(field, JSONField):
                value = json.dumps(value)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.null:
            value = None
        elif field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField", "URLField"):
            value = ""
        else:
            raise SystemExit(f"bench: {model.__name__}.{field.name} needs a value")
        template.append(("value", value))
    return columns, template


def copy_rows(model, given: tuple[str, ...], rows, now) -> None:
    from django.db import connection

    columns, template = _columns(model, given, now)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[t] if isinstance(t, int) else t[1] for t in template])


def seed(*, events: int, registrations: int, users: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from events.content import normalise_search
    from events.models import City, CityMembership, Event, Registration, Session

    now = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE events_attendance, events_answer, events_registration, events_session, events_event_trainers, "
            "events_event, events_citymembership, events_city, accounts_user RESTART IDENTITY CASCADE"
        )
    with transaction.atomic():
        for name, slug, country, tz, language in CITIES:
            City.objects.create(name=name, slug=slug, country=country, timezone=tz, default_language=language)
        city_ids = list(City.objects.order_by("pk").values_list("pk", flat=True))
        copy_rows(
            User, ("email", "full_name", "password", "calendar_token", "preferred_language"),
            ((f"p{i}@example.org", f"Person {i}", "!", secrets.token_hex(16), "en") for i in range(users)),
            now,
        )
        kinds, areas = [k.value for k in Event.Kind], [a.value for a in Event.Area]
        span_days = 5 * 365

        def event_rows():
            for i in range(events):
                # Spread from three years ago to two years ahead, a little over half still to come.
                start = now - timedelta(days=3 * 365) + timedelta(days=span_days * i / events, hours=i % 9)
                status = "draft" if i % 20 == 3 else "cancelled" if i % 20 == 7 else "published"
                word = WORDS[i % len(WORDS)]
                title = f"{word.capitalize()} {kinds[i % 5]} {i}"
                summary = f"Meeting about {word} and {WORDS[(i * 7) % len(WORDS)]} in the city"
                yield (
                    city_ids[i % 7], kinds[i % 5], areas[i % 3], title, summary, "en", status,
                    normalise_search(f"{title} {summary}"), start, start + timedelta(days=14, hours=2),
                    None if i % 4 else 30,
                    now - timedelta(days=30) if status == "cancelled" else None,
                )

        copy_rows(
            Event, ("city_id", "kind", "area", "title", "summary", "language", "status", "search_text",
                    "starts_at", "ends_at", "capacity", "cancelled_at"),
            event_rows(), now,
        )
        ids = list(Event.objects.order_by("pk").values_list("pk", "starts_at"))

        def session_rows():
            n = 0
            for pk, start in ids:
                for k in range(3):
                    n += 1
                    at = start + timedelta(days=7 * k)
                    yield pk, at, at + timedelta(hours=2), f"s{n:015x}", f"Room {k + 1}"

        copy_rows(Session, ("event_id", "starts_at", "ends_at", "checkin_code", "room"), session_rows(), now)
        # The 5,000-person event: an upcoming training in Riga, 2,500 seats, 2,500 waiting.
        big = Event.objects.filter(city__slug="riga", starts_at__gte=now + timedelta(days=20), status="published") \
            .order_by("starts_at").first()
        Event.objects.filter(pk=big.pk).update(capacity=2500, kind="training")
        # The person with 200 registrations: the first user, over 200 events past and to come.
        heavy_events = [pk for pk, _start in ids[events // 2 - 100 : events // 2 + 100]]
        user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        per_event = max(0, (registrations - 5000 - 200) // events)

        def registration_rows():
            n = 0
            for k in range(5000):
                n += 1
                status = "confirmed" if k < 2500 else "waiting"
                yield big.pk, user_ids[1 + k % (users - 1)], status, k + 1 if status == "waiting" else None, \
                    f"r{n:015x}", "2.0"
            for k, pk in enumerate(heavy_events):
                n += 1
                status = "waiting" if k % 10 == 3 else "cancelled" if k % 10 == 7 else "confirmed"
                yield pk, user_ids[0], status, 10_000 + k if status == "waiting" else None, f"r{n:015x}", "2.0"
            for e, (pk, _start) in enumerate(ids):
                if pk == big.pk:
                    continue
                for k in range(per_event):
                    n += 1
                    status = "cancelled" if k % 10 == 9 else "confirmed"
                    yield pk, user_ids[1 + (e * 13 + k * 101) % (users - 1)], status, None, f"r{n:015x}", "2.0"

        copy_rows(
            Registration, ("event_id", "user_id", "status", "waiting_rank", "checkin_code", "consent_text_version"),
            registration_rows(), now,
        )
        organizer = User.objects.create(email="organizer@example.org", full_name="Riga Organizer")
        CityMembership.objects.create(city_id=big.city_id, user=organizer, role=CityMembership.Role.ORGANIZER)
    connection.close()
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"big": big.pk, "heavy": user_ids[0], "organizer": organizer.pk}


# ---------------------------------------------------------------------------------------------
# Measuring


def measure(ids: dict, repeat: int) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from events.models import Event, Registration
    from outbox.background import background_wait

    heavy = User.objects.get(pk=ids["heavy"])
    organizer = User.objects.get(pk=ids["organizer"])
    member = Registration.objects.filter(event_id=ids["big"], status="waiting").order_by("waiting_rank") \
        .select_related("user")[1200].user
    clients = {}
    for key, user in (("heavy", heavy), ("organizer", organizer), ("member", member)):
        clients[key] = Client()
        clients[key].force_login(user)
    registrant = User.objects.create(email=f"registrant{time.time_ns()}@example.org", full_name="New Person")
    clients["registrant"] = Client()
    clients["registrant"].force_login(registrant)
    now = timezone.now()
    open_events = iter(
        Event.objects.filter(status="published", capacity__isnull=True, starts_at__gte=now + timedelta(days=3),
                             requires_approval=False)
        .exclude(pk=ids["big"]).order_by("starts_at").values_list("pk", flat=True)[: repeat * 20 + 50]
    )

    def register():
        response = clients["registrant"].post(f"/events/{next(open_events)}/register/", {"consent": "on"})
        assert response.status_code == 302, response.status_code
        return response

    feed_etag = {}

    def feed_304():
        return clients["heavy"].get("/calendars/cities/riga.ics", HTTP_IF_NONE_MATCH=feed_etag["etag"])

    def feed_rebuild():
        cache.clear()
        return clients["heavy"].get("/calendars/cities/riga.ics")

    pages = {
        "trivial": lambda: clients["heavy"].get("/bench/trivial/"),
        "programme": lambda: clients["heavy"].get("/"),
        "events": lambda: clients["heavy"].get("/events/"),
        "filtered": lambda: clients["heavy"].get("/events/?city=riga&area=interaction"),
        "search": lambda: clients["heavy"].get(f"/events/?city=riga&area=interaction&q={SEARCH_WORD}"),
        "event": lambda: clients["member"].get(f"/events/{ids['big']}/"),
        "my regs": lambda: clients["heavy"].get("/me/registrations/"),
        "organizer": lambda: clients["organizer"].get(f"/manage/events/{ids['big']}/registrations/?page=50"),
        "city feed": lambda: clients["heavy"].get("/calendars/cities/riga.ics"),
        "feed 304": feed_304,
        "feed build": feed_rebuild,
        "register": register,
        # The same, each request starting once the previous one's email has been sent by the
        # background thread: the difference from "register" is what that thread costs the requests.
        "register idle": register,
    }
    untimed_before = {"register idle": lambda: background_wait(timeout=30)}
    results = {}
    for name, call in pages.items():
        if name == "feed 304":
            response = clients["heavy"].get("/calendars/cities/riga.ics")
            feed_etag["etag"] = response.get("ETag", "")
        runs = max(3, repeat // 5) if name == "feed build" else repeat
        for _ in range(2 if name == "feed build" else 3):  # warm: templates, catalogues, caches
            response = call()
        expected = {"feed 304": (304, 200), "register": (302,), "register idle": (302,)}.get(name, (200,))
        assert response.status_code in expected, (name, response.status_code)
        times, cpu = [], []
        for _ in range(runs):
            untimed_before.get(name, lambda: None)()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = call()
        body = b"".join(response.streaming_content) if response.streaming else response.content
        main_query = max((q["sql"] for q in queries.captured_queries), key=planned_cost, default="")
        times.sort()
        results[name] = {
            "p50": statistics.median(times),
            "p95": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
            "queries": len(queries),
            "cpu": statistics.median(cpu),
            "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
            "bytes": len(body),
            "status": response.status_code,
            "main": main_query,
        }
    background_wait(timeout=60)  # the last emails, before the next size truncates their events
    return results


def planned_cost(sql: str) -> float:
    """The planner's total cost of a query: the page's main query is its most expensive one (a
    choice that does not depend on how loaded the machine was during the run)."""
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return -1.0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        return float(cursor.fetchone()[0][0]["Plan"]["Total Cost"])


def explain(sql: str) -> str:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return "  (not a SELECT)"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + sql)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def print_table(label: str, results: dict) -> None:
    print(f"\n{label}")
    trivial = results["trivial"]["p50"]
    print(f"  {'page':11} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} {'queries':>7} {'SQL ms':>7} {'KB':>8} "
          f"{'× trivial':>9}")
    for name, r in results.items():
        print(f"  {name:11} {r['p50']:8.1f} {r['p95']:8.1f} {r['cpu']:7.1f} {r['queries']:7d} {r['sql_ms']:7.1f} "
              f"{r['bytes'] / 1024:8.1f} {r['p50'] / trivial:9.2f}")
    rate = trivial / results["register"]["p50"]
    print(f"  registration rate: {rate:.0%} of the trivial view's (target ≥ 50 %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--sizes", default="10,1", help="divisors of the sizes to run, in order")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all sizes, in turns")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/epi_scale_bench")
    args = parser.parse_args()
    setup(args.database_url)
    base = urlsplit(args.database_url).path.lstrip("/")
    sizes_of, ids_of, best = {}, {}, {}
    for factor in (int(f) for f in args.sizes.split(",")):
        sizes = {"events": args.events // factor, "registrations": args.registrations // factor,
                 "users": max(6000, args.users // factor)}
        name = base if factor == 1 else f"{base}_1of{factor}"
        if name != base:
            create_database(args.database_url, name)
        use_database(name)
        if name != base:
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        ids_of[factor] = seed(**sizes)
        sizes_of[factor] = (name, sizes, time.perf_counter() - started)
    # The sizes in turns, each round measuring every page of each: on a shared machine the load
    # changes by the minute, so a size measured a minute later is not comparable. Each page's
    # best round (lowest p50) is kept, per size.
    for _round in range(args.rounds):
        for factor, (name, _sizes, _seeded) in sizes_of.items():
            use_database(name)
            results = measure(ids_of[factor], args.repeat)
            kept = best.setdefault(factor, {})
            for page, figures in results.items():
                if page not in kept or figures["p50"] < kept[page]["p50"]:
                    kept[page] = figures
    runs = []
    for factor, (_name, sizes, seeded) in sizes_of.items():
        runs.append((sizes, best[factor]))
        print_table(f"{sizes['events']:,} events, {sizes['events'] * 3:,} sessions, {sizes['registrations']:,} "
                    f"registrations, {sizes['users']:,} users (seeded in {seeded:.0f} s; best of {args.rounds} "
                    f"rounds):", best[factor])
    if len(runs) > 1:
        (_small, first), (_large, last) = runs[0], runs[-1]
        print("\ngrowth from the first size to the last (target p50 ≤ 1.3×, the same query count):")
        for name in last:
            grows = last[name]["p50"] / first[name]["p50"]
            same = "same" if last[name]["queries"] == first[name]["queries"] else \
                f"DIFFERENT {first[name]['queries']} → {last[name]['queries']}"
            print(f"  {name:11} {grows:5.2f}×  queries {same}")
    if not args.no_explain:
        use_database(sizes_of[list(sizes_of)[-1]][0])
        print("\nEXPLAIN ANALYZE of each page's main (most expensive) query at the last size:")
        for name, r in runs[-1][1].items():
            if name in ("trivial", "register", "register idle") or not r["main"]:
                continue
            print(f"\n  {name}: {r['main'][:300]}{'…' if len(r['main']) > 300 else ''}")
            print(explain(r["main"]))


if __name__ == "__main__":
    main()
