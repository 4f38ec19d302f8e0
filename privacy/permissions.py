"""Who may do what with privacy data: asked by views, templates and the admin."""

from accounts.models import User
from events import permissions as event_permissions
from events.models import City, Event


def can_edit_retention(user: User, city: City) -> bool:
    """A city's organizers and platform admins set how long it keeps what."""
    return event_permissions.can_manage_city(user, city)


def can_set_audit_hold(user: User) -> bool:
    return event_permissions.is_platform_admin(user)


def can_see_held_records(user: User, event: Event) -> bool:
    """Records an audit hold keeps past their retention are for platform admins only."""
    return event_permissions.is_platform_admin(user)


def can_download_export(user: User, export) -> bool:
    """Only the person it is about, signed in: a forwarded link is useless to anyone else."""
    return user.is_authenticated and export.user_id == user.pk
