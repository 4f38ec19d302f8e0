"""The dashboard's figures, kept in the cache (measured: live aggregation grows with the data).

``bench/dashboard.py`` showed live aggregation at a fixed 18 queries but a time that grows with
the data (250 ms for 20,000 registrations on PostgreSQL, next to 14 ms for a trivial page), so
the computed figures of a filter are kept in the cache for ``EVIDENCE_CACHE_SECONDS`` (default
600) and the periodic ``evidence.tasks.refresh_dashboards`` recomputes the views most asked
for (all cities, each city, no other filter) before they expire. A page view then costs a
cache read; a new combination of filters costs one live computation, then is cached too.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from evidence.aggregates import Filters, dashboard_figures, reach_figures

VERSION = 1


def _key(filters: Filters, threshold: int) -> str:
    cities = "all" if filters.city_ids is None else ",".join(str(i) for i in sorted(filters.city_ids))
    raw = f"{cities}|{filters.area}|{filters.kind}|{filters.start}|{filters.end}|{threshold}"
    return f"evidence:v{VERSION}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def figures(filters: Filters, *, threshold: int, refresh: bool = False):
    """``(dashboard, reach, computed_at)`` for ``filters``, from the cache when fresh."""
    key = _key(filters, threshold)
    value = None if refresh else cache.get(key)
    if value is None:
        value = (dashboard_figures(filters), reach_figures(filters, threshold=threshold), timezone.now())
        cache.set(key, value, getattr(settings, "EVIDENCE_CACHE_SECONDS", 600))
    return value


def refresh_common(*, threshold: int) -> int:
    """Recompute the unfiltered views of every city and of all cities; how many were refreshed."""
    from events.models import City

    filter_sets = [Filters()] + [Filters(city_ids=frozenset([pk])) for pk in City.objects.values_list("pk", flat=True)]
    for filters in filter_sets:
        figures(filters, threshold=threshold, refresh=True)
    return len(filter_sets)
