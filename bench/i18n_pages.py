"""The cost of a language: /events/ (and an event page) in English and in Arabic, side by side.

    .venv/bin/python bench/i18n_pages.py [--events 60] [--repeat 200] [--database-url postgres://...]

Seeds a scratch database (SQLite in a temporary directory unless --database-url names another)
with N published events over the seven EPI cities, then requests each page through Django's test
Client with the language cookie set, alternating en and ar request by request so both see the
same machine load. Prints, per page and language:

* first  — the first request in that language in this process (loads its catalogues: Django's,
           allauth's and the project's .mo files, and its format module);
* median / p90 — of --repeat requests once warm;
* queries — SQL queries per request (must be the same in both languages: no query per language).

Also the JavaScript catalogue (/jsi18n/<lang>.js): built once, then answered from the cache.
Target: ar within 10 % of en once warm, the same number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cities import CITIES  # bench/ is on sys.path when one of its scripts runs

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ar")


def setup_django(database_url: str | None, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["TEST_MEDIA_ROOT"] = str(workdir / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(total: int):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import City, Event, Session
    from events.services.events import _refresh_event_dates

    Event.objects.all().delete()
    cities = [
        City.objects.update_or_create(
            slug=slug, defaults={"name": name, "country": country, "timezone": tz, "default_language": lang}
        )[0]
        for name, slug, country, tz, lang in CITIES
    ]
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    events = []
    for i in range(total):
        city = cities[i % len(cities)]
        event = Event.objects.create(
            city=city, title=f"Intercultural café {i} — {city.name}", summary="Neighbours meet; café y té.",
            kind=Event.Kind.WORKSHOP, area=Event.Area.INTERACTION, status=Event.Status.PUBLISHED,
            language=city.default_language, venue_name="City Hall", venue_address="Main Square 1", capacity=30,
        )
        s = start + timedelta(days=i)
        Session.objects.create(event=event, starts_at=s, ends_at=s + timedelta(hours=2))
        _refresh_event_dates(event)
        events.append(event)
    return events


def measure(client, path: str, repeat: int, page: bool = True) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for lang in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        t0 = time.perf_counter()
        response = client.get(path if page else path.format(lang=lang))
        first = time.perf_counter() - t0
        assert response.status_code == 200, (path, lang, response.status_code)
        if page:
            assert f'<html lang="{lang}"' in response.content.decode()
        with CaptureQueriesContext(connection) as queries:
            client.get(path if page else path.format(lang=lang))
        results[lang] = {"first": first, "times": [], "queries": len(queries)}
    for _ in range(repeat):
        for lang in LANGUAGES:  # interleaved: both languages see the same load
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            t0 = time.perf_counter()
            client.get(path if page else path.format(lang=lang))
            results[lang]["times"].append(time.perf_counter() - t0)
    return results


def report(label: str, results: dict) -> None:
    print(f"\n{label}")
    print(f"  {'lang':<5}{'first ms':>10}{'median ms':>11}{'p90 ms':>9}{'queries':>9}")
    for lang, r in results.items():
        times = sorted(r["times"])
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"  {lang:<5}{r['first'] * 1000:>10.1f}{statistics.median(times) * 1000:>11.2f}{p90 * 1000:>9.2f}"
              f"{r['queries']:>9}")
    en, ar = (statistics.median(results[lang]["times"]) for lang in LANGUAGES)
    print(f"  ar / en: {ar / en:.3f}x; same queries: {results['en']['queries'] == results['ar']['queries']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(args.database_url, Path(workdir))
        from django.test import Client

        events = seed(args.events)
        client = Client()
        print(f"{args.events} events over {len(CITIES)} cities; {args.repeat} requests per page and language")
        report("/events/ (programme, first page)", measure(client, "/events/", args.repeat))
        report(f"{events[0].get_absolute_url()} (event page)", measure(client, events[0].get_absolute_url(), args.repeat))
        report("/jsi18n/<lang>.js (JavaScript catalogue; cached after the first)",
               measure(client, "/jsi18n/{lang}.js", args.repeat, page=False))


if __name__ == "__main__":
    main()
