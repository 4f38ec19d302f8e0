"""Who has earned a certificate: attended at least the event's percentage of the sessions that ended.

Everything is computed by the database in one aggregate query, so the certificates
page and the bulk job cost the same for 5 participants as for 500.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DurationField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.models import Event, Registration, Session


def _session_count(event: Event, **filters) -> Coalesce:
    counted = (
        Session.objects.filter(event=OuterRef("event_id"), **filters)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def registrations_with_attendance(*, event: Event, now: datetime | None = None) -> QuerySet[Registration]:
    """The event's confirmed registrations, each annotated with:

    ``attended_sessions`` present at sessions that have ended, ``ended_sessions``,
    ``attended_duration`` (timedelta or None), ``required_percent`` and ``is_eligible``.
    Sessions still running or in the future count on neither side of the ratio.
    """
    now = now or timezone.now()
    counted = Q(
        attendances__present=True,
        attendances__session__ends_at__lte=now,
        attendances__session__event=event,
    )
    if event.eligibility_percent:
        required = Value(event.eligibility_percent, output_field=IntegerField())
    else:
        required = Case(
            When(total_sessions__lte=1, then=Value(100)), default=Value(75), output_field=IntegerField()
        )
    return (
        Registration.objects.filter(event=event).confirmed().filter(user__isnull=False)
        .select_related("user")
        .annotate(
            total_sessions=_session_count(event),
            ended_sessions=_session_count(event, ends_at__lte=now),
            attended_sessions=Count("attendances", filter=counted),
            attended_duration=Sum(
                F("attendances__session__ends_at") - F("attendances__session__starts_at"),
                filter=counted,
                output_field=DurationField(),
            ),
        )
        .annotate(required_percent=required, attended_x100=F("attended_sessions") * 100)
        .annotate(
            # Integer arithmetic: 2 of 3 sessions is below 67 % and at or above 66 %, with no float rounding.
            is_eligible=Case(
                When(
                    Q(ended_sessions__gt=0)
                    & Q(attended_sessions__gte=1)
                    & Q(attended_x100__gte=F("required_percent") * F("ended_sessions")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("user__full_name", "user__email", "pk")
    )


def eligible_registrations(*, event: Event, now: datetime | None = None) -> QuerySet[Registration]:
    """Confirmed registrations whose attendance earns a certificate, in one aggregate query."""
    return registrations_with_attendance(event=event, now=now).filter(is_eligible=True)


def hours_from(duration: timedelta | None) -> Decimal:
    """Attended time as hours with two decimals (1 h 30 min → 1.50)."""
    if not duration:
        return Decimal("0.00")
    return (Decimal(duration.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
