"""Changing a city's retention policy and an event's audit hold."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.models import User
from events.models import City, Event
from privacy.models import AuditHold, RetentionPolicy


@transaction.atomic
def retention_policy_set(*, city: City, **values: int) -> RetentionPolicy:
    policy, _created = RetentionPolicy.objects.update_or_create(city=city, defaults=values)
    return policy


@transaction.atomic
def audit_hold_set(*, event: Event, until: date, reason: str, actor: User | None) -> AuditHold:
    hold, _created = AuditHold.objects.update_or_create(
        event=event, defaults={"until": until, "reason": reason.strip(), "set_by": actor}
    )
    return hold


def audit_hold_release(*, event: Event) -> None:
    AuditHold.objects.filter(event=event).delete()
