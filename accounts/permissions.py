"""Who may do what to a user account in the back office. The admin asks here and nowhere else.

A platform admin (``is_staff``) runs the site: reads every account and manages participants and
organizers. Accounts with power over the site — superusers and other staff — are changed, given a
password or deleted only by a superuser, and only a superuser grants staff or superuser status or
Django permission rows. Otherwise a staff user could set a superuser's password (or email, and
reset it) and take the account over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.permissions import is_platform_admin

if TYPE_CHECKING:
    from accounts.models import User

# Fields of an account that grant power over the site.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def is_superuser(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active and actor.is_superuser)


def is_privileged(target: User) -> bool:
    return bool(target.is_staff or target.is_superuser)


def can_view_users(actor: User) -> bool:
    return is_platform_admin(actor)


def can_add_user(actor: User) -> bool:
    return is_platform_admin(actor)


def can_change_user(actor: User, target: User | None = None) -> bool:
    """``target=None`` asks about the list (may this person change some account at all)."""
    if not is_platform_admin(actor):
        return False
    if target is None or is_superuser(actor):
        return True
    if target.pk == actor.pk:
        return True  # their own profile and password; the privilege fields stay read-only
    return not is_privileged(target)


def can_delete_user(actor: User, target: User | None = None) -> bool:
    if not is_platform_admin(actor):
        return False
    if target is None or is_superuser(actor):
        return True
    return target.pk != actor.pk and not is_privileged(target)


def can_grant_privileges(actor: User) -> bool:
    """Staff status, superuser status, groups and permission rows."""
    return is_superuser(actor)


def can_use_django_permission_admins(actor: User) -> bool:
    """Groups, sites, email addresses and authenticators of others: Django's own admins.

    They follow Django's permission rows, which a platform admin does not hold, and an email
    address or an authenticator is a way into the account it belongs to: superusers only.
    """
    return is_superuser(actor)
