"""Hundreds of people registering for the same event at the same moment, over real HTTP.

    .venv/bin/python bench/registration_race.py [--users 500] [--seats 50] [--concurrency 50]
        [--workers 4] [--threads 8] [--health-requests 3000] [--warm-up 200]
        [--database-url postgres://.../epi_reg_bench]

What it does, all on this machine:

1. drops and creates its own PostgreSQL database (``epi_reg_bench`` unless told otherwise)
   and migrates it;
2. starts the app under gunicorn (``--workers`` processes of ``--threads`` threads,
   ``gthread``) with production settings: ``DJANGO_DEBUG=0``, a random ``SECRET_KEY``,
   ``SECURE_SSL_REDIRECT=0``, ``ALLOWED_HOSTS=127.0.0.1``; in the embedded mode no broker,
   so emails are rendered, stored and "sent" (to a dummy backend) by the web process on a
   background thread after the response, in the broker mode through Redis and Celery
   (``--mode``);
3. creates a published event with ``--seats`` seats and two registration questions, and
   ``--users`` people, each logged in through a session row written here (the cookie a
   browser would hold) and a CSRF cookie;
4. warms both paths in every worker (GETs of ``/healthz``, then ``--warm-up``
   registrations for a second event, whose emails are sent before the clock starts);
5. measures the trivial ``/healthz`` view (``--health-requests`` GETs) and then fires
   one registration per person — a POST of the real registration form with its
   answers, consent and CSRF token — ``--concurrency`` at a time;
6. prints confirmed / waiting / errors, registrations per second, the health view's
   requests per second, their ratio, and the CPU each request cost gunicorn,
   PostgreSQL and this load generator (read from /proc), then stops gunicorn.

Targets: 0 errors, exactly ``--seats`` confirmed, everyone else waiting with distinct
ranks, and registrations/s at least 30 % of the trivial view's requests/s.
Exit status 1 when a correctness target is missed (errors, seat count, ranks).
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import string
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
RATIO_TARGET = 0.30


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at once")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--health-requests", type=int, default=3000)
    parser.add_argument(
        "--warm-up", type=int, default=200,
        help="registrations for another event before timing, so every worker has loaded what a registration needs",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/epi_reg_bench"),
        help="a PostgreSQL database of its own: it is dropped and created",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--mode",
        choices=["embedded", "broker", "both"],
        default="both",
        help="embedded: no broker, emails rendered and sent on a background thread of the web process after the "
        "response; broker: REDIS_URL set, the "
        "request hands ids to Celery and a worker started afterwards renders and sends (default: both)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="broker mode: a Redis database of its own (its Celery queue is purged)",
    )
    return parser.parse_args()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(args, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=args.database_url,
        EMAIL_URL="dummymail://",
        **({"REDIS_URL": args.redis_url} if args.mode == "broker" else {}),
        SITE_URL=f"http://{HOST}:{port}",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"refusing odd database name {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def manage(env, *command: str) -> None:
    subprocess.run([str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def seed(args, env) -> dict:
    """Event, questions, people, their sessions and CSRF tokens, written with the app's own models."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import User
    from events.models import City, Event, Question, Session
    from events.services.events import _refresh_event_dates

    city = City.objects.create(
        name="Linköping", slug="linkoping", country="SE", timezone="Europe/Stockholm", default_language="sv"
    )
    start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)

    def make_event(title: str, seats: int) -> tuple[Event, dict[str, str]]:
        event = Event.objects.create(
            city=city, kind=Event.Kind.TRAINING, area=Event.Area.INTERACTION, title=title,
            language="sv", venue_name="Stadshuset", venue_address="Drottninggatan 45",
            status=Event.Status.PUBLISHED, capacity=seats,
        )
        Session.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=3), title="Module 1")
        _refresh_event_dates(event)
        diet = Question.objects.create(
            event=event, label="Dietary needs", kind=Question.Kind.SINGLE_CHOICE, required=True, position=1,
            choices=[{"value": "none", "label": "None"}, {"value": "vegetarian", "label": "Vegetarian"}],
        )
        photos = Question.objects.create(
            event=event, label="May we take photos?", kind=Question.Kind.YES_NO, required=True, position=2
        )
        return event, {f"q_{diet.pk}": "vegetarian", f"q_{photos.pk}": "yes", "consent": "on"}

    event, form = make_event("Intercultural competence, part 1", args.seats)
    warm_event, warm_form = make_event("Intercultural competence, warm-up", args.warm_up // 10 or 1)
    languages = ["en", "sv", "es"]
    users = User.objects.bulk_create(
        User(
            email=f"bench{i}@example.org", full_name=f"Bench Person {i}", password="!",
            preferred_language=languages[i % 3],
        )
        for i in range(args.users + args.warm_up)
    )
    alphabet = string.ascii_letters + string.digits
    people = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        people.append({"session": store.session_key, "csrf": "".join(secrets.choice(alphabet) for _ in range(32))})
    return {
        "event_id": event.pk,
        "form": form,
        "people": people[:args.users],
        "warm_event_id": warm_event.pk,
        "warm_form": warm_form,
        "warm_people": people[args.users:],
    }


def start_server(args, env, port):
    command = [
        str(GUNICORN), "config.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(args.workers),
        "--worker-class", "gthread", "--threads", str(args.threads), "--backlog", "2048",
        "--log-level", "warning", "--keep-alive", "5",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before serving")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop_server(server) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class Client(threading.local):
    """One keep-alive connection per client thread, reopened when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, response.getheader("Location", "")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server had already closed: retrying is only
                # safe when nothing was processed, which these errors mean for the first try.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pgid: int) -> dict[str, float]:
    """CPU seconds used so far by the app server, PostgreSQL and this load generator.

    Read from /proc, so a phase's share of each can be printed next to its rate: what a
    registration costs, and where, against the trivial view.
    """
    totals = {"app": 0.0, "database": 0.0, "load": 0.0}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:  # gone between listing and reading
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[2] is the process group; utime and stime are fields 14 and 15 of stat(5).
        pgid, cpu = int(fields[2]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        if int(entry) == me:
            totals["load"] += cpu
        elif pgid == server_pgid:
            totals["app"] += cpu
        elif comm == "postgres":
            totals["database"] += cpu
    return totals


def cpu_between(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """Milliseconds of CPU per request of each part between two snapshots."""
    return {key: (after[key] - before[key]) * 1000 / count for key in before}


def run_load(port, concurrency, jobs):
    """Run ``jobs`` (callables taking a Client) ``concurrency`` at a time; (seconds, results)."""
    client = Client(port)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.perf_counter()
        results = list(pool.map(lambda job: job(client), jobs))
        elapsed = time.perf_counter() - started
    return elapsed, results


def health_job(client):
    try:
        status, _ = client.request("GET", "/healthz")
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if status == 200 else f"HTTP {status}"


def registration_job(event_id, form, person):
    path = f"/events/{event_id}/register/"
    body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": person["csrf"]})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={person['session']}; csrftoken={person['csrf']}",
    }

    def job(client):
        try:
            status, location = client.request("POST", path, body=body, headers=headers)
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
        # Success is the redirect back to the event page; anything else is an error.
        if status == 302 and location.rstrip("/").endswith(f"/events/{event_id}"):
            return None
        return f"HTTP {status} {location}"

    return job


def wait_for_emails(event_id: int, expected: int, timeout: float = 120) -> None:
    from outbox.models import OutgoingEmail

    deadline = time.monotonic() + timeout
    while OutgoingEmail.objects.filter(event_id=event_id, status="sent").count() < expected:
        if time.monotonic() > deadline:
            sys.exit("warm-up emails were not sent in time")
        time.sleep(0.1)


def drain_with_worker(args, env, event_id, expected: int) -> tuple[float, int]:
    """Start a Celery worker and wait until every registration email is sent; (seconds, sent)."""
    from outbox.models import OutgoingEmail

    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--concurrency", "2",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        # Quiet: whether the worker did its job is checked below, email by email.
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    sent = 0
    try:
        while time.perf_counter() - started < 300:
            sent = OutgoingEmail.objects.filter(event_id=event_id, status="sent").count()
            if sent >= expected:
                break
            time.sleep(0.25)
        return time.perf_counter() - started, sent
    finally:
        stop_server(worker)


def run_both(args) -> int:
    """Each mode in a process of its own: settings are read once per process."""
    worst = 0
    argv = [a for a in sys.argv[1:]]
    if "--mode" in argv:
        i = argv.index("--mode")
        del argv[i:i + 2]
    argv = [a for a in argv if not a.startswith("--mode=")]
    for mode in ("embedded", "broker"):
        print(f"==== {mode} ====", flush=True)
        worst = max(worst, subprocess.run([sys.executable, __file__, *argv, "--mode", mode]).returncode)
        print(flush=True)
    return worst


def main():
    args = parse_args()
    if args.mode == "both":
        return run_both(args)
    port = args.port or free_port()
    env = server_env(args, port)
    print(f"database {urllib.parse.urlparse(args.database_url).path.lstrip('/')}: creating and migrating")
    recreate_database(args.database_url)
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        if args.mode == "broker":
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "purge", "-f"],
                cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
            )
        data = seed(args, env)
        server = start_server(args, env, port)
        print(
            f"gunicorn: {args.workers} workers x {args.threads} threads (gthread) on {HOST}:{port}; "
            f"{args.users} people, {args.seats} seats, {args.concurrency} requests in flight; "
            + ("no broker: emails on a background thread after the response" if args.mode == "embedded"
               else "Celery on Redis: emails in a worker")
        )

        # Warm every worker before timing anything, on both paths, as a server that has been up
        # a while is: imports, compiled templates, translation catalogues, connections. The
        # warm-up event's emails are sent before the clock starts.
        run_load(port, args.concurrency, [health_job] * (args.workers * 50))
        warm = [registration_job(data["warm_event_id"], data["warm_form"], p) for p in data["warm_people"]]
        warm_errors = [r for r in run_load(port, args.concurrency, warm)[1] if r]
        if warm_errors:
            sys.exit(f"warm-up registrations failed: {warm_errors[:3]}")
        if args.mode == "embedded":
            wait_for_emails(data["warm_event_id"], len(warm))

        before = cpu_snapshot(server.pid)
        health_seconds, health_results = run_load(port, args.concurrency, [health_job] * args.health_requests)
        health_cpu = cpu_between(before, cpu_snapshot(server.pid), args.health_requests)
        health_errors = [r for r in health_results if r]
        health_rate = args.health_requests / health_seconds

        jobs = [registration_job(data["event_id"], data["form"], person) for person in data["people"]]
        before = cpu_snapshot(server.pid)
        reg_seconds, reg_results = run_load(port, args.concurrency, jobs)
        reg_cpu = cpu_between(before, cpu_snapshot(server.pid), len(jobs))
        reg_errors = [r for r in reg_results if r]
        reg_rate = len(jobs) / reg_seconds
    finally:
        if server is not None:
            stop_server(server)

    drained = None
    if args.mode == "broker":
        drained = drain_with_worker(args, env, data["event_id"], len(data["people"]))

    from django.db.models import Count, Q

    from events.models import Registration
    from outbox.models import OutgoingEmail

    rows = Registration.objects.filter(event_id=data["event_id"])
    counts = rows.aggregate(
        confirmed=Count("pk", filter=Q(status="confirmed")),
        waiting=Count("pk", filter=Q(status="waiting")),
        total=Count("pk"),
    )
    ranks = list(rows.filter(status="waiting").values_list("waiting_rank", flat=True))
    emails = OutgoingEmail.objects.filter(event_id=data["event_id"]).aggregate(
        sent=Count("pk", filter=Q(status="sent")), total=Count("pk")
    )
    ratio = reg_rate / health_rate

    print()
    print(f"trivial view   {args.health_requests:5d} GET /healthz     in {health_seconds:6.2f} s  "
          f"{health_rate:8.1f} req/s   errors {len(health_errors)}")
    print(f"registrations  {len(jobs):5d} POST register   in {reg_seconds:6.2f} s  "
          f"{reg_rate:8.1f} reg/s   errors {len(reg_errors)}")
    print(f"result         confirmed {counts['confirmed']}  waiting {counts['waiting']}  "
          f"rows {counts['total']}  distinct waiting ranks {len(set(ranks))}  emails sent {emails['sent']}/{emails['total']}")
    for label, cpu in (("cpu /healthz", health_cpu), ("cpu register", reg_cpu)):
        print(f"{label:14s} {sum(cpu.values()):6.2f} ms per request: app {cpu['app']:.2f}, PostgreSQL "
              f"{cpu['database']:.2f}, load generator {cpu['load']:.2f}")
    print(f"ratio          registrations/s = {ratio:.0%} of the trivial view's requests/s")
    if drained is not None:
        print(f"worker         sent {drained[1]} emails in {drained[0]:.1f} s after the load, "
              f"started once gunicorn had stopped")
    for sample in sorted(set(reg_errors + health_errors))[:5]:
        print(f"  error sample: {sample}")

    expected_waiting = max(args.users - args.seats, 0)
    checks = [
        ("0 errors", not reg_errors and not health_errors),
        (f"exactly {min(args.seats, args.users)} confirmed", counts["confirmed"] == min(args.seats, args.users)),
        (f"{expected_waiting} waiting with distinct ranks",
         counts["waiting"] == expected_waiting and len(set(ranks)) == expected_waiting),
        (f"every registration emailed ({len(jobs)})", emails["sent"] == len(jobs)),
        (f"registrations/s >= {RATIO_TARGET:.0%} of trivial view", ratio >= RATIO_TARGET),
    ]
    print()
    for label, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {label}")

    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)
    return 0 if all(ok for label, ok in checks if "%" not in label) else 1


if __name__ == "__main__":
    sys.exit(main())
