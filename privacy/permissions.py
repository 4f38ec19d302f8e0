"""Who may do what with privacy data: asked by views, templates and the admin."""

from accounts.models import User
from events import permissions as event_permissions
from events.models import City, Event


def can_edit_retention(user: User, city: City) -> bool:
    """A city's organizers and platform admins set how long it keeps what."""
    return event_permissions.can_manage_city(user, city)


def can_download_export(user: User, export) -> bool:
    """Only the person it is about, signed in: a forwarded link is useless to anyone else."""
    return user.is_authenticated and export.user_id == user.pk


def is_held_past_retention(event: Event) -> bool:
    """The event's records outlived their retention only because of an audit hold."""
    from django.utils import timezone

    from privacy.models import AuditHold, RetentionPolicy
    from privacy.retention import Policy, months_before

    if event.ends_at is None:
        return False
    now = timezone.now()
    if not AuditHold.objects.filter(event_id=event.pk, until__gte=timezone.localdate(now)).exists():
        return False
    policy = Policy.of(RetentionPolicy.objects.filter(city_id=event.city_id).first())
    return event.ends_at < months_before(now, policy.registration_months)


def can_see_event_records(user: User, event: Event) -> bool:
    """Everyone who manages the event, except for records kept only by an audit hold."""
    return event_permissions.is_platform_admin(user) or not is_held_past_retention(event)
