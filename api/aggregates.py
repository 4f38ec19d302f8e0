"""Evaluation aggregates over what exists today: registrations, attendance and certificates.

Counts from 1 to ``threshold - 1`` are suppressed (shown as null) so nobody can be singled out;
the evaluation dashboard, when it is built, must use the same ``suppress``.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from certificates.models import Certificate
from events.models import Attendance, Event, Registration


def suppress(value: int, threshold: int) -> dict:
    hidden = 0 < value < threshold
    return {"value": None if hidden else value, "suppressed": hidden}


def aggregates_for(*, cities, threshold: int) -> dict:
    city_ids = [city.pk for city in cities]
    attended = Attendance.objects.filter(registration=OuterRef("pk"), present=True)
    registrations = (
        Registration.objects.filter(event__city_id__in=city_ids)
        .annotate(was_present=Exists(attended))
        .values("event_id")
        .annotate(
            total=Count("pk"),
            confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
            waiting=Count("pk", filter=Q(status=Registration.Status.WAITING)),
            cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
            attended=Count("pk", filter=Q(was_present=True)),
        )
        .order_by()
    )
    by_event = {row["event_id"]: row for row in registrations}
    certificates = dict(
        Certificate.objects.filter(event__city_id__in=city_ids, status=Certificate.Status.VALID)
        .values("event_id").annotate(n=Count("pk")).order_by().values_list("event_id", "n")
    )
    events = (
        Event.objects.filter(city_id__in=city_ids)
        .exclude(status=Event.Status.DRAFT)
        .select_related("city")
        .order_by("starts_at", "id")
    )
    event_rows, city_totals = [], {}
    for event in events:
        row = by_event.get(event.pk, {})
        counts = {
            "registrations": row.get("total", 0),
            "confirmed": row.get("confirmed", 0),
            "waiting": row.get("waiting", 0),
            "cancelled": row.get("cancelled", 0),
            "attended": row.get("attended", 0),
            "certificates": certificates.get(event.pk, 0),
        }
        event_rows.append(
            {
                "event": event.pk,
                "city": event.city.slug,
                "title": event.title,
                **{name: suppress(value, threshold) for name, value in counts.items()},
            }
        )
        total = city_totals.setdefault(
            event.city.slug, {"events": 0, "registrations": 0, "confirmed": 0, "attended": 0, "certificates": 0}
        )
        total["events"] += 1
        for name in ("registrations", "confirmed", "attended", "certificates"):
            total[name] += counts[name]
    city_rows = [
        {
            "city": slug,
            "events": total["events"],
            **{name: suppress(total[name], threshold) for name in ("registrations", "confirmed", "attended", "certificates")},
        }
        for slug, total in sorted(city_totals.items())
    ]
    return {"threshold": threshold, "events": event_rows, "cities": city_rows}
