"""The evaluation aggregates as the API shows them: the evidence dashboard's own figures.

Nothing is counted here. ``evidence.cache.figures`` gives what the dashboard shows for the same
filters (computed by ``evidence.aggregates``, kept in the cache like the dashboard's), reach
already suppressed by ``evidence.suppression`` with the dashboard's threshold; this module only
turns it into plain data with city slugs.
"""

from __future__ import annotations

from datetime import UTC

from events.models import Registration
from evidence.aggregates import CityFigures, Filters
from evidence.cache import figures
from surveys.results import min_responses


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _city(figures_: CityFigures, slug: str | None, name: str | None) -> dict:
    return {
        "city": slug,
        "name": name,
        "events": figures_.events,
        "sessions": figures_.sessions,
        "session_hours": round(figures_.session_hours, 1),
        "training_hours": round(figures_.training_hours, 1),
        "registrations": {status: figures_.registrations.get(status, 0) for status in Registration.Status.values},
        "confirmed_ended": figures_.confirmed_ended,
        "attended": figures_.attended,
        "attendance_rate": _rate(figures_.attendance_rate),
        "no_shows": figures_.no_shows,
        "no_show_rate": _rate(figures_.no_show_rate),
        "unique_participants": figures_.unique_participants,
        "staff_trained": figures_.staff_trained,
        "certificates_issued": figures_.certificates_issued,
        "certificates_revoked": figures_.certificates_revoked,
        "invited": figures_.invited,
        "answered": figures_.answered,
        "response_rate": _rate(figures_.response_rate),
        "satisfaction": None if figures_.satisfaction is None else round(figures_.satisfaction, 2),
        "useful_percent": _rate(figures_.useful_percent),
    }


def aggregates_for(*, filters: Filters, slugs: dict[int, str]) -> dict:
    """The dashboard's figures for ``filters``; ``slugs``: {city id: slug} of the cities it may show."""
    from privacy.models import DemographicProfile

    threshold = min_responses()
    dashboard, reach, computed_at = figures(filters, threshold=threshold)
    tables = []
    for table in reach:
        labels = dict(DemographicProfile._meta.get_field(table.item).choices)
        tables.append({
            "item": table.item,
            "categories": [{"value": value, "label": str(labels[value])} for value in table.categories],
            "rows": [
                {"city": slugs.get(row["city_id"]), "cells": row["cells"], "answered": row["answered"], "of": row["of"]}
                for row in table.rows
            ],
        })
    return {
        "threshold": threshold,
        "computed_at": computed_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "cities": [_city(city, slugs.get(city.city_id), city.name) for city in dashboard.cities],
        "total": _city(dashboard.total, None, None),
        "trend": [
            {"month": row["month"].strftime("%Y-%m"), "events": row["events"], "sessions": row["sessions"],
             "attended": row["attended"]}
            for row in dashboard.trend
        ],
        "reach": tables,
    }
