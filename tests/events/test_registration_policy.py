"""One answer to "may this person register / cancel, and why not" for service, page and box."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from events import registration_policy as policy
from events.models import Event, Registration
from events.services.registrations import RegistrationError, registration_cancel, registration_create
from events.templatetags.registration_tags import registration_state
from tests.factories import EventFactory, RegistrationFactory, UserFactory

past_or_future = st.sampled_from([None, "past", "future"])


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from(["published", "published", "draft", "cancelled"]),
    opens=past_or_future,
    closes=past_or_future,
    mine=st.sampled_from([None, "confirmed", "waiting", "pending", "cancelled", "rejected"]),
)
def test_the_service_refuses_exactly_when_the_policy_does_and_the_box_agrees(city, status, opens, closes, mine):
    assume(not (opens == "future" and closes == "past"))
    now = timezone.now()
    opening = {None: None, "past": now - timedelta(days=2), "future": now + timedelta(days=1)}
    closing = {None: None, "past": now - timedelta(days=1), "future": now + timedelta(days=2)}
    try:
        with transaction.atomic():
            event = EventFactory(city=city)
            Event.objects.filter(pk=event.pk).update(
                status=status, registration_opens_at=opening[opens], registration_closes_at=closing[closes]
            )
            event.refresh_from_db()
            person = UserFactory()
            row = None
            if mine:
                row = RegistrationFactory(event=event, user=person, status=mine, waiting_rank=1 if mine == "waiting" else None)
            shown = row if row is not None and row.status != Registration.Status.CANCELLED else None
            expected = policy.registration_refusal(event, **policy.registration_facts([shown] if shown else []))
            try:
                with transaction.atomic():
                    registration_create(event=event, user=person, consent_version="2026-11")
                    raise _Rollback
            except RegistrationError as exc:
                refused = exc.code
            except _Rollback:
                refused = None
            assert refused == ({policy.DRAFT: "closed"}.get(expected, expected) if expected else None)
            state = registration_state(event, shown)["state"]
            if expected is None:
                assert state == "open"
            elif expected == policy.DUPLICATE:
                assert state == "registered"
            elif not (shown is not None and shown.is_active and status != "cancelled"):
                assert state == {policy.DRAFT: "draft"}.get(expected, expected)
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
def test_the_registration_box_runs_no_queries_of_its_own(django_assert_num_queries):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    waiting = registration_create(event=event, user=UserFactory(), consent_version="2026-11")
    loaded = Registration.objects.with_waiting_position().get(pk=waiting.pk)
    with django_assert_num_queries(0):
        box = registration_state(event, loaded)
    assert box == {"state": "registered", "registration": loaded, "position": 1, "can_cancel": True}


@pytest.mark.django_db
def test_the_event_page_shows_the_waiting_position_of_the_reader(client):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)
    user = UserFactory()
    registration_create(event=event, user=UserFactory(), consent_version="2026-11")
    registration_create(event=event, user=user, consent_version="2026-11")
    client.force_login(user)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "You are on the waiting list, in position 2." in page


@pytest.mark.django_db
def test_cancelling_after_the_start_is_refused_with_the_policys_reason():
    event = EventFactory(sessions__start=timezone.now() - timedelta(hours=1))
    registration = RegistrationFactory(event=event)
    assert policy.cancel_refusal(registration) == policy.STARTED
    assert policy.cancel_refusal(registration, by_organizer=True) is None
    with pytest.raises(RegistrationError) as refused:
        registration_cancel(registration=registration, actor=registration.user)
    assert refused.value.code == policy.STARTED
    assert reverse("registrations:cancel", args=[registration.pk])
