"""The public event list through the API next to the HTML list page, and the API's 304.

    .venv/bin/python bench/api.py [--events 10000] [--repeat 15] [--database-url postgres://...]

Seeds a scratch database (SQLite in a temporary directory unless --database-url names another,
e.g. its own PostgreSQL database) with N upcoming published events over the seven EPI cities
(1 to 4 sessions each, a few registrations), then measures through Django's test Client, as the
median of --repeat runs taken in turns:

* html — GET /events/ (the list page, 50 per page for the comparison);
* api  — GET /api/v1/events/?page_size=50 (cursor pagination, sessions included);
* api page 2 — the same, following the cursor once;
* 304  — the API request again with If-None-Match: the programme's version (one cache read),
  nothing built, no query.

Prints requests/s, wall and CPU time (this process: the client, Django and, on SQLite, the
database) and the database queries of each, with 100 and N events, so a query count that grows
with the data shows; then the 200 and the 304 side by side. Targets: fixed query count; API ≥ the HTML page's rate; 304 at
least 10x faster than 200.
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
sys.path.insert(0, str(ROOT / "bench"))

from ical_feed import CITIES, ensure_database  # noqa: E402


def setup_django(database_url: str | None, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    if database_url and database_url.startswith("postgres"):
        ensure_database(database_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    os.environ["API_PUBLIC_RATE"] = "1000000/min"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(total: int) -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
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
        people = list(User.objects.filter(email__startswith="bench-"))
        if len(people) < 20:
            User.objects.bulk_create(User(email=f"bench-{i}@example.org", full_name=f"Bench {i}") for i in range(20))
            people = list(User.objects.filter(email__startswith="bench-"))
        kinds, areas = list(Event.Kind), list(Event.Area)
        start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        events = []
        for number in range(total):
            first = start + timedelta(hours=number * 2)
            count = number % 4 + 1
            events.append(
                Event(
                    city=cities[number % 7], kind=kinds[number % len(kinds)], area=areas[number % len(areas)],
                    language="en", title=f"Intercultural training nº{number} — {cities[number % 7].name}",
                    summary="Meet your neighbours; learn together.", description="A round table on **participation**.",
                    venue_name="Centro Cívico", venue_address=f"Calle Mayor {number % 90 + 1}",
                    status=Event.Status.PUBLISHED, capacity=20 if number % 3 else None,
                    starts_at=first, ends_at=first + timedelta(days=7 * (count - 1), hours=3),
                )
            )
        Event.objects.bulk_create(events, batch_size=1000)
        sessions, registrations = [], []
        for number, event in enumerate(Event.objects.order_by("starts_at", "id")):
            for i in range(number % 4 + 1):
                s = event.starts_at + timedelta(days=7 * i)
                sessions.append(Session(event=event, starts_at=s, ends_at=s + timedelta(hours=3), title=f"Module {i + 1}"))
            for person in people[: number % 5]:
                registrations.append(Registration(event=event, user=person, status=Registration.Status.CONFIRMED))
        Session.objects.bulk_create(sessions, batch_size=2000)
        Registration.objects.bulk_create(registrations, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; without it the planner guesses from an empty table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events_event, events_session, events_registration")


def timed(funcs: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each, taken in turns so load from elsewhere hits them alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            response = None
            while response is None:  # None: a sample to take again (see not_modified)
                begin, cpu = time.perf_counter(), time.process_time()
                response = func()
            times[name].append((time.perf_counter() - begin, time.process_time() - cpu))
            assert response.status_code in (200, 304), (name, response.status_code)
    return {
        name: (statistics.median(w for w, _c in values), statistics.median(c for _w, c in values))
        for name, values in times.items()
    }


def measure(total: int, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import events.views.public as public

    public.PAGE_SIZE = 50  # the same page size on both sides
    seed(total)
    client = Client()
    api_url = "/api/v1/events/?page_size=50"
    first = client.get(api_url)
    state = {"etag": first["ETag"], "renewed": 0}

    def not_modified():
        response = client.get(api_url, HTTP_IF_NONE_MATCH=state["etag"])
        if response.status_code == 200:
            # The minute in the ETag turned: take the new one, as a client would, and measure again.
            state["etag"], state["renewed"] = response["ETag"], state["renewed"] + 1
            return None
        return response

    assert len(first.json()["results"]) == 50
    page2 = first.json()["next"]
    client.get("/events/")
    funcs = {
        "html": lambda: client.get("/events/"),
        "api": lambda: client.get(api_url),
        "api page 2": lambda: client.get(page2),
        "304": not_modified,
    }
    queries = {}
    for name, func in funcs.items():
        response = None
        while response is None:
            with CaptureQueriesContext(connection) as captured:
                response = func()
        queries[name] = len(captured)
    return {"times": timed(funcs, repeat), "queries": queries, "renewed": state["renewed"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(args.database_url, Path(workdir))
        from django.db import connection

        print(f"database: {connection.vendor}")
        results = {n: measure(n, args.repeat) for n in (100, args.events)}
    for n, result in results.items():
        print(f"\n{n} events                wall             CPU    queries  (ETag renewed {result['renewed']}x)")
        for name, (seconds, cpu) in result["times"].items():
            print(
                f"  {name:<11} {1 / seconds:8.1f} req/s {seconds * 1000:7.2f} ms {cpu * 1000:7.2f} ms"
                f"  {result['queries'][name]}"
            )
    big = results[args.events]
    t, q = big["times"], big["queries"]
    small_q = results[100]["queries"]
    wall = {name: value[0] for name, value in t.items()}
    cpu = {name: value[1] for name, value in t.items()}
    print(f"\n200 vs 304 ({args.events} events, page of 50, same run)")
    print(
        f"  200 {1 / wall['api']:7.1f} req/s ({q['api']} queries)   304 {1 / wall['304']:7.1f} req/s ({q['304']} queries)"
        f"   ratio {wall['api'] / wall['304']:.1f}x wall, {cpu['api'] / max(cpu['304'], 1e-9):.1f}x CPU"
    )
    print("\ntargets")
    print(f"  fixed query count: {'yes' if small_q == q else 'NO'} ({small_q} vs {q})")
    print(f"  API vs HTML rate: {wall['html'] / wall['api']:.2f}x ({'met' if wall['api'] <= wall['html'] else 'NOT met'})")
    print(f"  304 vs 200: {wall['api'] / wall['304']:.1f}x faster ({'met' if wall['api'] >= 10 * wall['304'] else 'NOT met'})")


if __name__ == "__main__":
    main()
