"""Whatever people and organizers do, in whatever order, the seat rules hold."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from events.models import Event, Registration
from events.services import registrations as services
from events.services.registrations import (
    RegistrationError,
    event_change_capacity,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_reject,
)
from tests.factories import EventFactory, RegistrationFactory, UserFactory

PEOPLE = 4

person = st.integers(min_value=0, max_value=PEOPLE - 1)
# Newcomers weigh more so that events fill up and the waiting list gets busy;
# "register" again by someone known exercises duplicates and coming back after cancelling.
operation = st.one_of(
    st.tuples(st.just("newcomer"), st.just(0)),
    st.tuples(st.just("newcomer"), st.just(0)),
    st.tuples(st.just("register"), person),
    st.tuples(st.just("cancel"), person),
    st.tuples(st.just("organizer_cancel"), person),
    st.tuples(st.just("approve"), person),
    st.tuples(st.just("reject"), person),
    st.tuples(st.just("capacity"), st.one_of(st.none(), st.integers(min_value=0, max_value=PEOPLE))),
)


class _Rollback(Exception):
    pass


def _active(event, user):
    return Registration.objects.filter(event=event, user=user, status__in=Registration.ACTIVE_STATUSES).first()


def _waiting_order(event):
    return list(
        Registration.objects.filter(event=event, status="waiting").order_by("waiting_rank").values_list("user_id", flat=True)
    )


def _apply(op, arg, event, users, organizer) -> set[int]:
    """Run one operation; return the users it took off the waiting list on purpose.

    Except for registering, ``arg`` picks among the registrations the operation can
    apply to, so that nearly every step changes something.
    """
    if op == "capacity":
        event_change_capacity(event=event, capacity=arg)
        return set()
    if op == "newcomer":
        users.append(UserFactory(verified=False))
        arg = len(users) - 1
    if op in ("register", "newcomer"):
        registration_create(event=event, user=users[arg], consent_version="2026-11")
        return set()
    wanted = ["pending"] if op == "approve" else list(Registration.ACTIVE_STATUSES)
    candidates = list(Registration.objects.filter(event=event, status__in=wanted).select_related("user").order_by("pk"))
    if not candidates:
        return set()
    registration = candidates[arg % len(candidates)]
    if op == "cancel":
        registration_cancel(registration=registration, actor=registration.user)
    elif op == "organizer_cancel":
        registration_cancel(registration=registration, actor=organizer, reason="property test")
    elif op == "approve":
        registration_approve(registration=registration, actor=organizer)
    elif op == "reject":
        registration_reject(registration=registration, actor=organizer)
    return {registration.user_id}


def _check_invariants(event):
    event.refresh_from_db()
    rows = list(Registration.objects.filter(event=event).values("user_id", "status", "waiting_rank"))
    confirmed = sum(r["status"] == "confirmed" for r in rows)
    waiting = [r for r in rows if r["status"] == "waiting"]
    if event.capacity is not None:
        assert confirmed <= event.capacity
    if waiting:
        assert event.capacity is not None and confirmed == event.capacity, "someone waits while a seat is free"
    ranks = [r["waiting_rank"] for r in waiting]
    assert None not in ranks and len(set(ranks)) == len(ranks)
    active_users = [r["user_id"] for r in rows if r["status"] in Registration.ACTIVE_STATUSES]
    assert len(active_users) == len(set(active_users)), "two active registrations for one person"


@pytest.mark.django_db
@pytest.mark.parametrize("requires_approval", [False, True])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Small limits fill quickly; None (no limit) matters too but is quickly explored.
    capacity=st.sampled_from([1, 2, 1, 3, 0, 2, None]),
    operations=st.lists(operation, min_size=8, max_size=40),
)
def test_seat_rules_hold_for_any_sequence(city, organizer, capacity, requires_approval, operations):
    try:
        with transaction.atomic():
            event = EventFactory(city=city, capacity=capacity, requires_approval=requires_approval)
            users = [UserFactory(verified=False) for _ in range(PEOPLE)]
            for op, arg in operations:
                before = _waiting_order(event)
                try:
                    with transaction.atomic():
                        left = _apply(op, arg, event, users, organizer)
                except RegistrationError:
                    left = set()
                _check_invariants(event)
                after = _waiting_order(event)
                # The list keeps its order: people only leave from the front (promoted) or on
                # purpose, and newcomers join at the back.
                kept = [u for u in before if u not in left]
                stayed = [u for u in after if u in before]
                assert after[: len(stayed)] == stayed
                assert stayed == kept[len(kept) - len(stayed):]
                promoted = kept[: len(kept) - len(stayed)]
                assert all(_active(event, next(u for u in users if u.pk == pk)).status == "confirmed" for pk in promoted)
            raise _Rollback
    except _Rollback:
        pass


past_or_future = st.sampled_from([None, "past", "future"])


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-trip registration is PostgreSQL's")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from(["published", "published", "draft", "cancelled"]),
    capacity=st.sampled_from([None, 0, 1, 2]),
    requires_approval=st.booleans(),
    opens=past_or_future,
    closes=past_or_future,
    starts=st.sampled_from(["past", "future"]),
    others=st.lists(st.sampled_from(["confirmed", "waiting", "pending", "cancelled", "rejected"]), max_size=4),
    mine=st.sampled_from([None, "confirmed", "waiting", "pending", "cancelled", "rejected"]),
)
def test_the_one_trip_registration_decides_as_the_orm_path_does(
    city, status, capacity, requires_approval, opens, closes, starts, others, mine
):
    """The PostgreSQL fast path repeats the seat rules in SQL; for any event it must agree.

    Same event, same people, same earlier registrations: one registration through each
    path, each rolled back, must end alike — the same status, rank and position, or the
    same refusal. And whenever a registration goes through, the fast path did it alone,
    with one locking statement: it falls back to the ORM only to refuse.
    """
    assume(not (opens == "future" and closes == "past"))  # the database refuses such a window
    now = timezone.now()
    opening = {None: None, "past": now - timedelta(days=2), "future": now + timedelta(days=1)}
    when = {None: None, "past": now - timedelta(days=1), "future": now + timedelta(days=2)}
    try:
        with transaction.atomic():
            event = EventFactory(city=city, capacity=capacity, requires_approval=requires_approval)
            Event.objects.filter(pk=event.pk).update(
                status=status, registration_opens_at=opening[opens], registration_closes_at=when[closes],
                starts_at=when[starts],
            )
            event.refresh_from_db()
            ranks = iter(range(1, 10))
            for other in others:
                RegistrationFactory(event=event, status=other, waiting_rank=next(ranks) if other == "waiting" else None)
            person = UserFactory()
            if mine:
                RegistrationFactory(event=event, user=person, status=mine, waiting_rank=next(ranks) if mine == "waiting" else None)

            def outcome():
                try:
                    with transaction.atomic():
                        made = registration_create(event=event, user=person, consent_version="2026-11")
                        result = (made.status, made.waiting_rank, getattr(made, "position_when_registered", None))
                        raise _Rollback(result)
                except _Rollback as done:
                    return done.args[0]
                except RegistrationError as exc:
                    return ("refused", exc.code)

            with CaptureQueriesContext(connection) as queries:
                fast = outcome()
            with patch.object(services.OneTripRegistration, "build", staticmethod(lambda *args: None)):
                slow = outcome()
            assert fast == slow
            if fast[0] != "refused":
                assert sum("FOR UPDATE" in q["sql"] for q in queries.captured_queries) == 1
            raise _Rollback
    except _Rollback:
        pass
