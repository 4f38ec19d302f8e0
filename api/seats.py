"""Seat availability as the public sees it: a bucket, never a count."""

from __future__ import annotations

from django.utils import timezone

AVAILABLE, FEW_LEFT, FULL, WAITING_LIST = "available", "few_left", "full", "waiting_list"
BUCKETS = (AVAILABLE, FEW_LEFT, FULL, WAITING_LIST)


def few_left_limit(capacity: int) -> int:
    """"Few" is at most 5 seats or a tenth of the room, whichever is more."""
    return max(5, capacity // 10)


def seat_bucket(event, now=None) -> str:
    """``event`` comes from ``for_listing()`` (``confirmed_count``). A full event that still takes
    registrations puts newcomers on its waiting list (``registrations._register_locked``)."""
    if event.capacity is None:
        return AVAILABLE
    left = max(event.capacity - event.confirmed_count, 0)
    if left == 0:
        return WAITING_LIST if event.registration_is_open(now or timezone.now()) else FULL
    return FEW_LEFT if left <= few_left_limit(event.capacity) else AVAILABLE
