"""Every access decision of the events app. Views ask here; tests cover it as a matrix.

Roles: platform admin (``is_staff``), city organizer (a CityMembership), trainer
(assigned to an event), participant (any signed-in user), visitor (anonymous).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

if TYPE_CHECKING:
    from accounts.models import User
    from events.models import City, Event


def is_platform_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def organized_city_ids(user: User) -> set[int]:
    """Ids of the cities the user organizes, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_organized_city_ids", None)
    if cached is None:
        cached = set(user.city_memberships.values_list("city_id", flat=True))
        user._organized_city_ids = cached
    return cached


def is_organizer(user: User) -> bool:
    return is_platform_admin(user) or bool(organized_city_ids(user))


def can_manage_city(user: User, city: City) -> bool:
    return is_platform_admin(user) or city.pk in organized_city_ids(user)


def can_manage_event(user: User, event: Event) -> bool:
    return can_manage_city(user, event.city) if user.is_authenticated else False


def is_trainer(user: User) -> bool:
    """Whether the user trains any event: they get "My sessions" in the menu."""
    return bool(user.is_authenticated and user.trained_events.exists())


def is_trainer_of(user: User, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(event, "_trainer_ids", None)
    if cached is None:
        cached = set(event.trainers.values_list("pk", flat=True))
        event._trainer_ids = cached
    return user.pk in cached


def can_view_event(user: User, event: Event) -> bool:
    """Drafts are visible only to those who manage them; the rest is public."""
    if event.status != event.Status.DRAFT:
        return True
    return can_manage_event(user, event)


def can_take_attendance(user: User, event: Event) -> bool:
    return can_manage_event(user, event) or is_trainer_of(user, event)


def can_manage_registrations(user: User, event: Event) -> bool:
    return can_manage_event(user, event)


def can_add_walk_in(user: User, event: Event) -> bool:
    """Someone who turns up unregistered is added by whoever takes attendance at the door."""
    return can_take_attendance(user, event)


def require_event_access(user: User, event: Event, *, need: Callable[[User, Event], bool] = can_view_event) -> Event:
    """``event`` if ``need(user, event)``; else 404 when the user may not even see it (a draft
    they do not manage: its existence is private), 403 otherwise."""
    if need(user, event):
        return event
    if not can_view_event(user, event):
        raise Http404
    raise PermissionDenied


def access_event(user: User, pk: int, *, need: Callable[[User, Event], bool] = can_view_event) -> Event:
    """Fetch-and-check for every page about one event: the event (with its city) if ``need``
    (any permission function taking user and event) allows it, 404 if it does not exist or is
    a draft hidden from the user, 403 otherwise."""
    from django.shortcuts import get_object_or_404

    from events.models import Event

    event = get_object_or_404(Event.objects.select_related("city"), pk=pk)
    return require_event_access(user, event, need=need)
