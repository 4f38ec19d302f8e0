"""The evidence dashboard at scale: time per page view and queries, next to a trivial page.

    .venv/bin/python bench/dashboard.py [--events 5000] [--registrations 200000] [--responses 50000]
        [--repeat 7] [--database-url postgres://postgres@127.0.0.1:5432/epi_dashboard_bench]

Seeds its own database twice — at a tenth of the sizes, then at the full sizes — with the
seven EPI cities, events of every kind and area (one or two sessions each, all in the past
year), confirmed and cancelled registrations, attendance for 80 % of the confirmed ones,
an open survey per event with invitations, and responses to the core questions. For each
size it prints, as the median of --repeat requests through Django's test Client signed in
as a platform admin:

* trivial    — GET /me/profile/ (the profile page): middleware, session, user, one template;
* dashboard  — GET /evidence/ (every figure, the reach tables);
* with charts — the page plus its three SVG charts, as a browser loads them;
* live (miss) — computing the figures without the cache (a new filter, the periodic refresh);

and the number of queries of each. Targets: dashboard ≤ 3× trivial; the same query count
at both sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from cities import CITIES  # bench/ is on sys.path when one of its scripts runs

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("TEST_MEDIA_ROOT", "/tmp/epi-dashboard-bench-media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(*, events: int, registrations: int, responses: int) -> None:
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from events.models import Attendance, City, Event, Registration, Session, new_short_code
    from surveys.core import CORE
    from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE surveys_surveyanswer, surveys_surveyresponse, surveys_surveyinvitation, surveys_surveyquestion, "
            "surveys_survey, events_attendance, events_registration, events_session, events_event, accounts_user "
            "CASCADE"
        )
    with transaction.atomic():
        cities = [City.objects.get_or_create(slug=s, defaults={"name": n, "country": c, "timezone": z,
                                                               "default_language": lang})[0]
                  for n, s, c, z, lang in CITIES]
        people = max(1000, registrations // 5)
        User.objects.bulk_create(
            [User(email=f"p{i}@example.org", full_name=f"Person {i}", password="!", calendar_token=uuid.uuid4().hex,
                  works_for_city=i % 10 == 0) for i in range(people)], batch_size=5000)
        user_ids = list(User.objects.values_list("pk", flat=True))
        kinds, areas = list(Event.Kind), list(Event.Area)
        now = timezone.now().replace(microsecond=0)
        event_rows = []
        for i in range(events):
            start = now - timedelta(days=1 + i % 360, hours=i % 9)
            event_rows.append(Event(city=cities[i % 7], kind=kinds[i % 5], area=areas[i % 3], title=f"Event {i}",
                                    language="en", status=Event.Status.PUBLISHED, starts_at=start,
                                    ends_at=start + timedelta(hours=3 if i % 2 else 2)))
        Event.objects.bulk_create(event_rows, batch_size=2000)
        event_list = list(Event.objects.order_by("pk"))
        sessions = []
        for i, event in enumerate(event_list):
            sessions.append(Session(event=event, starts_at=event.starts_at, ends_at=event.starts_at + timedelta(hours=2)))
            if i % 2:
                sessions.append(Session(event=event, starts_at=event.starts_at + timedelta(hours=2, minutes=30),
                                        ends_at=event.ends_at))
        Session.objects.bulk_create(sessions, batch_size=5000)
        first_session = dict(Session.objects.order_by("event_id", "starts_at").distinct("event_id")
                             .values_list("event_id", "pk"))
        per_event = registrations // events
        regs = []
        for e, event in enumerate(event_list):
            for k in range(per_event):
                status = Registration.Status.CANCELLED if k % 20 == 19 else Registration.Status.CONFIRMED
                regs.append(Registration(event=event, user_id=user_ids[(e * per_event + k) % len(user_ids)],
                                         status=status, checkin_code=new_short_code() + f"{e % 100:02d}"[:2]))
        Registration.objects.bulk_create(regs, batch_size=5000)
        attendance = [Attendance(session_id=first_session[r.event_id], registration_id=r.pk, present=True)
                      for i, r in enumerate(Registration.objects.filter(status="confirmed").only("pk", "event_id"))
                      if i % 5]
        Attendance.objects.bulk_create(attendance, batch_size=5000)
        Survey.objects.bulk_create([Survey(event=e, status=Survey.Status.OPEN, opens_at=e.ends_at,
                                           closes_at=e.ends_at + timedelta(days=14)) for e in event_list])
        surveys = list(Survey.objects.order_by("pk"))
        SurveyQuestion.objects.bulk_create([
            SurveyQuestion(survey=s, key=item["key"], core=True, kind=item["kind"], label=str(item["label"]),
                           options=[{"id": v, "label": str(label)} for v, label in item.get("options", [])], position=p)
            for s in surveys for p, item in enumerate(CORE)], batch_size=5000)
        questions = {(q.survey_id, q.key): q.pk for q in SurveyQuestion.objects.only("pk", "survey_id", "key")}
        per_survey = max(1, responses // len(surveys))
        invitations, response_rows, answers = [], [], []
        for s, survey in enumerate(surveys):
            for k in range(per_event):
                invitations.append(SurveyInvitation(survey=survey, user_id=user_ids[(s * per_event + k) % len(user_ids)],
                                                    answered=k < per_survey, token=uuid.uuid4().hex))
            for k in range(per_survey):
                response = SurveyResponse(survey=survey, submitted_on=survey.opens_at.date(), language="en")
                response_rows.append(response)
                answers.append(SurveyAnswer(response=response, question_id=questions[(survey.pk, "satisfaction")],
                                            number=1 + (s + k) % 5))
                answers.append(SurveyAnswer(response=response, question_id=questions[(survey.pk, "useful")],
                                            option=("yes", "partly", "no")[k % 3]))
        SurveyInvitation.objects.bulk_create(invitations, batch_size=5000)
        SurveyResponse.objects.bulk_create(response_rows, batch_size=5000)
        SurveyAnswer.objects.bulk_create(answers, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    admin, _ = User.objects.get_or_create(email="bench-admin@example.org",
                                          defaults={"full_name": "Bench Admin", "is_staff": True})
    client = Client()
    client.force_login(admin)
    pages = {
        "trivial": ["/me/profile/"],
        "dashboard": ["/evidence/"],
        "with charts": ["/evidence/", "/evidence/chart/cities.svg", "/evidence/chart/rates.svg",
                        "/evidence/chart/trend.svg"],
    }
    results = {}
    for name, urls in pages.items():
        for url in urls:  # warm up
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            for url in urls:
                client.get(url)
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                client.get(url)
        results[name] = (statistics.median(times) * 1000, len(queries))
    # What a cache miss costs (a new filter, or the periodic refresh): the live aggregation.
    from evidence.aggregates import Filters
    from evidence.cache import figures

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            figures(Filters(), threshold=5, refresh=True)
        times.append(time.perf_counter() - started)
    results["live (miss)"] = (statistics.median(times) * 1000, len(queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/epi_dashboard_bench")
    args = parser.parse_args()
    setup_django(args.database_url)
    rows = []
    for factor in (10, 1):
        sizes = {"events": args.events // factor, "registrations": args.registrations // factor,
                 "responses": args.responses // factor}
        started = time.perf_counter()
        seed(**sizes)
        seeded = time.perf_counter() - started
        results = measure(args.repeat)
        rows.append((sizes, results))
        print(f"\n{sizes['events']} events, {sizes['registrations']} registrations, {sizes['responses']} responses "
              f"(seeded in {seeded:.0f} s):")
        trivial = results["trivial"][0]
        for name, (ms, queries) in results.items():
            print(f"  {name:12} {ms:8.1f} ms  {queries:3d} queries  {ms / trivial:5.2f}× trivial")
    counts = [r["live (miss)"][1] for _s, r in rows]
    print(f"\nquery count constant as the data grows 10×: {'yes' if len(set(counts)) == 1 else 'NO'} {counts}")


if __name__ == "__main__":
    main()
