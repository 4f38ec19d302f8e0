""""My registrations" of a busy participant, next to a trivial signed-in view.

    .venv/bin/python bench/my_registrations.py [--registrations 200] [--repeat 100] [--database-url postgres://...]

Seeds a scratch database (SQLite in a temporary directory, or the PostgreSQL database that
--database-url names, dropped and created afresh)
with one participant holding N registrations over the seven EPI cities, one event each, the mix
a few years of use leaves behind (of 200: 30 upcoming confirmed — a few starting within a day,
some with three sessions —, 8 on a waiting list behind other people, 4 awaiting approval, 2 for
events the city cancelled, 16 cancelled by the participant or not accepted, 140 past, a valid
certificate for a third of those) and one open feedback survey. Then, signed in as that
participant through Django's test Client, alternating the two pages request by request so both
see the same machine load, it prints for each:

* trivial — a view that reads the session and the user and answers a few bytes (no template);
* my registrations — GET /me/registrations/;
* check-in code — GET of the QR code SVG of one registration (what a phone at the door loads);

the p50 / p95 wall time and CPU time (ms), the HTML bytes and the SQL queries per request, and the
query count of the page for 5, 50 and N registrations (it must not grow).

Targets: the page at N = 200 in ≤ 40 ms p50 and ≤ 150 KB; the same query count at every size.
On a loaded machine milliseconds mislead: the ratio to the trivial view is printed too (40 ms is
25× the 1.6 ms the issue measured for it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

from cities import CITIES  # bench/ is on sys.path when one of its scripts runs

ROOT = Path(__file__).resolve().parent.parent
# The trivial signed-in view as the issue measured it (issue 18): the yardstick of the 40 ms target.
TRIVIAL_MS = 1.6
SUMMARY = (
    "Neighbours, newcomers and the city's services meet over coffee to talk about what works in the "
    "neighbourhood and what should change; interpretation into Arabic, Ukrainian and English is available."
)


def setup_django(database_url: str | None, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    if database_url and database_url.startswith("postgres"):
        from urllib.parse import urlsplit

        import psycopg

        drop_database(database_url)
        parts = urlsplit(database_url)
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.urls import include, path

    call_command("migrate", verbosity=0, interactive=False)

    def trivial(request):
        return HttpResponse(request.user.email if request.user.is_authenticated else "-")

    # The site's URLs plus the trivial view, without touching the project's URLconf.
    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [path("__bench__/trivial/", trivial), path("", include(settings.ROOT_URLCONF))]
    sys.modules["bench_urls"] = urls
    settings.ROOT_URLCONF = "bench_urls"


def drop_database(database_url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


def seed(total: int):
    """The participant and their ``total`` registrations; returns (user, a registration with a code)."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from certificates.models import Certificate
    from events.models import City, Event, Registration, Session

    rng = random.Random(18)
    cities = [
        City.objects.update_or_create(
            slug=slug, defaults={"name": name, "country": country, "timezone": tz, "default_language": lang}
        )[0]
        for name, slug, country, tz, lang in CITIES
    ]
    user = User.objects.create_user(email=f"busy{total}@example.org", password="x", full_name="Amira Haddad")
    others = [User.objects.create_user(email=f"other{total}-{i}@example.org", password="x") for i in range(3)]
    now = timezone.now().replace(second=0, microsecond=0)
    scale = total / 200
    plan = (
        [("confirmed", "soon")] * 3 + [("confirmed", "future")] * round(27 * scale - 3)
        + [("waiting", "future")] * round(8 * scale) + [("pending", "future")] * round(4 * scale)
        + [("confirmed", "event-cancelled")] * round(2 * scale)
        + [("cancelled", "future")] * round(6 * scale) + [("cancelled", "past")] * round(6 * scale)
        + [("rejected", "past")] * round(4 * scale)
    )
    plan += [("confirmed", "past")] * (total - len(plan))
    plan = plan[:total]
    code_of = None
    for number, (status, when) in enumerate(plan):
        city = cities[number % len(cities)]
        days = {"soon": 0.5, "future": 2 + number, "event-cancelled": 10 + number}.get(when, -(3 + number * 5))
        start = now + timedelta(days=days)
        event = Event.objects.create(
            city=city, title=f"Intercultural café {number} — {city.name}", summary=SUMMARY,
            kind=Event.Kind.WORKSHOP, area=Event.Area.INTERACTION,
            status=Event.Status.CANCELLED if when == "event-cancelled" else Event.Status.PUBLISHED,
            language=city.default_language, venue_name="Community centre", venue_address="Main Square 1",
            capacity=1 if status == "waiting" else 30,
        )
        sessions = 3 if number % 5 == 0 else 1
        for s in range(sessions):
            begins = start + timedelta(days=7 * s)
            Session.objects.create(event=event, starts_at=begins, ends_at=begins + timedelta(hours=2))
        event.starts_at, event.ends_at = start, start + timedelta(days=7 * (sessions - 1), hours=2)
        event.save(update_fields=["starts_at", "ends_at"])
        rank = None
        if status == "waiting":
            Registration.objects.create(event=event, user=others[0], status="confirmed")
            for rank, other in enumerate(others[1:], start=1):
                Registration.objects.create(event=event, user=other, status="waiting", waiting_rank=rank)
            rank = len(others)
        registration = Registration.objects.create(
            event=event, user=user, status=status, waiting_rank=rank,
            decision_message="Sorry, this training is full of people from the same service." if status == "rejected"
            else "",
        )
        if status == "confirmed" and when == "soon" and code_of is None:
            code_of = registration
        if status == "confirmed" and when == "past" and rng.random() < 1 / 3:
            Certificate.objects.create(
                number=f"BENCH-{total}-{number}", registration=registration, holder=user, event=event,
                pdf=f"certificates/bench-{total}-{number}.pdf", language="en", holder_name=user.full_name,
                event_title=event.title, event_kind="Workshop", city_name=city.name, first_date=start.date(),
                last_date=start.date(), hours=2 * sessions, sessions_attended=sessions, sessions_total=sessions,
            )
    _open_survey(user, registration)
    return user, code_of


def _open_survey(user, registration) -> None:
    """An open survey of a past event, and the participant's invitation to it."""
    from datetime import timedelta

    from django.utils import timezone

    from surveys.models import Survey, SurveyInvitation
    from surveys.services.surveys import survey_ensure

    survey = survey_ensure(event=registration.event)
    now = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.OPEN, opens_at=now, closes_at=now + timedelta(days=14)
    )
    SurveyInvitation.objects.create(survey=survey, user=user)


def measure(client, pages: dict[str, str], repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for name, path in pages.items():
        response = client.get(path)  # warm: templates compiled, catalogues loaded
        assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        results[name] = {"wall": [], "cpu": [], "bytes": len(response.content), "queries": len(queries)}
    for _ in range(repeat):
        for name, path in pages.items():  # interleaved: every page sees the same load
            c0, t0 = time.process_time(), time.perf_counter()
            client.get(path)
            results[name]["wall"].append(time.perf_counter() - t0)
            results[name]["cpu"].append(time.process_time() - c0)
    return results


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(args.database_url, Path(workdir))
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import NoReverseMatch, reverse

        counts = {}
        for size in sorted({5, 50, args.registrations}):
            user, _code = seed(size)
            client = Client()
            client.force_login(user)
            client.get("/me/registrations/")
            with CaptureQueriesContext(connection) as queries:
                client.get("/me/registrations/")
            counts[size] = len(queries)
        pages = {"trivial": "/__bench__/trivial/", "my registrations": "/me/registrations/"}
        try:
            pages["check-in code"] = reverse("registrations:checkin_qr", args=[_code.pk])
        except NoReverseMatch:
            pass
        results = measure(client, pages, args.repeat)
        print(f"{args.registrations} registrations of one participant, {connection.vendor}; "
              f"{args.repeat} requests per page, interleaved")
        print(f"  {'page':<18}{'p50 ms':>8}{'p95 ms':>8}{'CPU p50':>9}{'CPU p95':>9}{'bytes':>10}{'queries':>9}"
              f"{'× trivial':>11}")
        trivial = statistics.median(results["trivial"]["cpu"])
        for name, r in results.items():
            print(f"  {name:<18}{pct(r['wall'], .5):>8.2f}{pct(r['wall'], .95):>8.2f}{pct(r['cpu'], .5):>9.2f}"
                  f"{pct(r['cpu'], .95):>9.2f}{r['bytes']:>10,}{r['queries']:>9}"
                  f"{statistics.median(r['cpu']) / trivial:>10.1f}×")
        page = results["my registrations"]
        print(f"\nqueries of the page by number of registrations: {counts}"
              f" — {'constant' if len(set(counts.values())) == 1 else 'GROWS'}")
        ratio = statistics.median(page["cpu"]) / trivial
        print(f"targets: p50 ≤ 40 ms: {'yes' if pct(page['wall'], .5) <= 40 else 'NO'} (wall; CPU "
              f"{pct(page['cpu'], .5):.1f} ms); ≤ 150 KB: {'yes' if page['bytes'] <= 150_000 else 'NO'}")
        # The issue measured the trivial view at 1.6 ms: 40 ms is 25 of it, a figure the machine's load
        # does not move as much as milliseconds.
        print(f"  as a ratio: {ratio:.1f}× the trivial view's CPU (≤ {40 / TRIVIAL_MS:.0f}×: "
              f"{'yes' if ratio <= 40 / TRIVIAL_MS else 'NO'}), i.e. {ratio * TRIVIAL_MS:.1f} ms where the "
              f"trivial view takes {TRIVIAL_MS} ms")
        connection.close()
    if args.database_url and args.database_url.startswith("postgres"):
        drop_database(args.database_url)


if __name__ == "__main__":
    main()
