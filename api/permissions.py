"""Every access decision of the API. A token never exceeds its owner's current rights.

A token carries scopes (``registrations:write``…) and optionally one city. Each call needs the
scope, the city (if the token is limited to one), and the owner's right *today*, asked of
``events.permissions`` and ``certificates.permissions`` — so an organizer who loses the role
loses what their tokens allowed at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions as drf_permissions

from certificates import permissions as certificate_permissions
from events import permissions as event_permissions

if TYPE_CHECKING:
    from accounts.models import User
    from api.models import ApiToken
    from certificates.models import Certificate
    from events.models import City, Event


def can_create_tokens(user: User) -> bool:
    """Platform admins and city organizers; the page also requires a two-factor sign-in."""
    return event_permissions.is_organizer(user)


def signed_in_with_two_factor(request) -> bool:
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.utils import is_mfa_enabled

    if not request.user.is_authenticated or not is_mfa_enabled(request.user):
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def token_city_allows(token: ApiToken, city: City) -> bool:
    return token.city_id is None or token.city_id == city.pk


def token_can_manage_event(token: ApiToken, event: Event) -> bool:
    return token_city_allows(token, event.city) and event_permissions.can_manage_event(token.owner, event)


def token_can_take_attendance(token: ApiToken, event: Event) -> bool:
    return token_city_allows(token, event.city) and event_permissions.can_take_attendance(token.owner, event)


def token_can_see_certificates(token: ApiToken, event: Event) -> bool:
    return token_city_allows(token, event.city) and certificate_permissions.can_issue_certificates(token.owner, event)


def token_can_change_certificate(token: ApiToken, certificate: Certificate) -> bool:
    return token_city_allows(token, certificate.event.city) and certificate_permissions.can_change_certificate(
        token.owner, certificate
    )


def token_can_view_event(token: ApiToken | None, event: Event) -> bool:
    """Public events for everyone; drafts for a token with events:read that may manage them."""
    if event.status != event.Status.DRAFT:
        return True
    return token is not None and "events:read" in token.scopes and token_can_manage_event(token, event)


def grantable_cities(user: User):
    """The cities a token of this user may be limited to."""
    from events.models import City

    if event_permissions.is_platform_admin(user):
        return City.objects.all()
    return City.objects.filter(pk__in=event_permissions.organized_city_ids(user))


class HasScope(drf_permissions.BasePermission):
    """``permission_classes = [HasScope.of("registrations:read")]``: a token with that scope."""

    scope = ""
    message = _("This token does not allow this call.")

    @classmethod
    def of(cls, scope: str):
        return type(f"HasScope_{scope.replace(':', '_')}", (cls,), {"scope": scope})

    def has_permission(self, request, view):
        from api.models import ApiToken

        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if not event_permissions.is_organizer(token.owner):
            self.message = _("The owner of this token is no longer an organizer.")
            return False
        return self.scope in token.scopes


def can_manage_webhooks_of(user: User, city: City) -> bool:
    return event_permissions.can_manage_city(user, city)


def can_manage_webhook(user: User, webhook) -> bool:
    return user.is_authenticated and (
        event_permissions.is_platform_admin(user) or (webhook.owner_id == user.pk and can_manage_webhooks_of(user, webhook.city))
    )


def can_manage_token(user: User, token: ApiToken) -> bool:
    return user.is_authenticated and (token.owner_id == user.pk or event_permissions.is_platform_admin(user))
