"""Real concurrency against PostgreSQL: threads with their own connections racing for seats.

SQLite serialises every writer (BEGIN IMMEDIATE), so these races only exist, and
are only tested, on PostgreSQL.
"""

import threading

import pytest
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Q

from events.models import Event, Registration
from events.services import registration_sql
from events.services import registrations as services
from events.services.registrations import registration_cancel, registration_create
from tests.concurrency import BARRIER_TIMEOUT, run_together
from tests.factories import EventFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _quiet_mail(settings):
    # Each registration emails after commit; the races are about seats, not mail.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def counts(event):
    return Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=Q(status="confirmed")), waiting=Count("pk", filter=Q(status="waiting"))
    )


def register_job(event, user):
    return lambda: registration_create(event=event, user=user, consent_version="2026-11")


@pytest.mark.django_db(transaction=True)
def test_forty_people_racing_for_ten_seats(city):
    event = EventFactory(city=city, capacity=10)
    users = [UserFactory() for _ in range(40)]
    _, errors = run_together([register_job(event, user) for user in users])
    assert errors == []
    assert counts(event) == {"confirmed": 10, "waiting": 30}
    waiting = list(Registration.objects.filter(event=event, status="waiting").order_by("waiting_rank"))
    assert [r.waiting_rank for r in waiting] == list(range(1, 31))
    # Ranks follow commit order: the lock makes the order of ids and creation times the same.
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
    assert [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)
    last_confirmed = Registration.objects.filter(event=event, status="confirmed").order_by("-pk").first()
    assert last_confirmed.pk < waiting[0].pk


@pytest.mark.django_db(transaction=True)
def test_cancellations_racing_with_registrations_never_overbook_nor_leave_a_seat_idle(city):
    event = EventFactory(city=city, capacity=10)
    holders = [registration_create(event=event, user=UserFactory(), consent_version="x") for _ in range(10)]
    for _ in range(10):
        registration_create(event=event, user=UserFactory(), consent_version="x")
    newcomers = [UserFactory() for _ in range(15)]
    violations: list[dict] = []
    done = threading.Event()

    def watch():
        # Every committed state must be valid, not only the last one.
        try:
            while not done.is_set():
                seen = counts(event)
                if seen["confirmed"] > 10 or (seen["waiting"] and seen["confirmed"] < 10):
                    violations.append(seen)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        jobs = [lambda r=r: registration_cancel(registration=r, actor=r.user) for r in holders[:8]]
        jobs += [register_job(event, user) for user in newcomers]
        _, errors = run_together(jobs)
    finally:
        done.set()
        watcher.join()
    assert errors == []
    assert violations == []
    assert counts(event) == {"confirmed": 10, "waiting": 17}
    ranks = list(Registration.objects.filter(event=event, status="waiting").values_list("waiting_rank", flat=True))
    assert len(set(ranks)) == len(ranks)


@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_same_race_overbooks(city, monkeypatch):
    """Proves the race tests can fail: with the row lock removed, seats are oversold.

    This is the ORM path (organizers, refusals, SQLite); the one-trip path has its own proof below.
    """
    attempts, racers, seats = 4, 8, 2
    overbooked = []
    monkeypatch.setattr(services.OneTripRegistration, "build", staticmethod(lambda *args: None))
    for _ in range(attempts):
        event = EventFactory(city=city, capacity=seats)
        users = [UserFactory() for _ in range(racers)]
        # Everyone reads the event before anyone counts, as unlucky timing would have it.
        gate = threading.Barrier(racers)

        def no_lock(event_id, gate=gate):
            found = Event.objects.select_related("city").get(pk=event_id)
            gate.wait(BARRIER_TIMEOUT)
            return found

        monkeypatch.setattr(services, "_lock_event", no_lock)
        _, errors = run_together([register_job(event, user) for user in users])
        assert errors == []
        overbooked.append(counts(event)["confirmed"] > seats)
        close_old_connections()
    assert any(overbooked)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locked", [True, False], ids=["with the lock", "without the lock"])
def test_the_one_trip_registration_waits_for_whoever_holds_the_last_seat(city, monkeypatch, locked):
    """Someone takes the last seat and has not committed yet; someone else registers meanwhile.

    With the row lock the second person waits for the first commit and goes on the waiting
    list. Without it (the lock statement replaced by a plain SELECT) they count the seats
    blind to the first person's and both are confirmed: the proof that this path's lock,
    not luck, keeps the capacity.
    """
    event = EventFactory(city=city, capacity=1)
    first_user, second_user = UserFactory(), UserFactory()
    if not locked:
        monkeypatch.setattr(registration_sql, "event_lock_sql", lambda: "SELECT 1")
    first_inserted, second_done = threading.Event(), threading.Event()
    statuses: dict[str, str] = {}

    def first():
        with transaction.atomic():
            statuses["first"] = registration_create(event=event, user=first_user, consent_version="x").status
            first_inserted.set()
            # Holding the transaction open; with the lock the second person cannot finish meanwhile.
            second_done.wait(timeout=1)

    def second():
        first_inserted.wait(BARRIER_TIMEOUT)
        statuses["second"] = registration_create(event=event, user=second_user, consent_version="x").status
        second_done.set()

    _, errors = run_together([first, second])
    assert errors == []
    if locked:
        assert statuses == {"first": "confirmed", "second": "waiting"}
        assert counts(event) == {"confirmed": 1, "waiting": 1}
    else:
        assert statuses == {"first": "confirmed", "second": "confirmed"}
        assert counts(event) == {"confirmed": 2, "waiting": 0}
