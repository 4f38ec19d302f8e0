"""Every access decision of the surveys app and the evidence dashboard."""

from __future__ import annotations

from events import permissions as event_permissions


def can_manage_survey(user, event) -> bool:
    """Questions, settings, walk-in links: the event's organizers and platform admins."""
    return event_permissions.can_manage_event(user, event)


def can_see_results(user, event) -> bool:
    """Results and free texts of one event: its city's organizers and platform admins, nobody else."""
    return event_permissions.can_manage_event(user, event)


def dashboard_city_ids(user) -> set[int] | None:
    """Cities whose figures the user may see: None means all (platform admin), empty means none."""
    if event_permissions.is_platform_admin(user):
        return None
    return event_permissions.organized_city_ids(user)


def can_see_dashboard(user) -> bool:
    return event_permissions.is_organizer(user)
