"""API tokens: created once (the secret is shown once and stored hashed), revoked, never widened."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from api import permissions
from api.models import ApiToken, Scope, hash_token, new_raw_token


class TokenError(Exception):
    """A refused token; ``str()`` is a translated message."""


def token_create(
    *, owner, name: str, scopes: list[str], city=None, expires_at: datetime, two_factor: bool
) -> tuple[ApiToken, str]:
    """The token and its secret, which is never stored and cannot be shown again."""
    if not permissions.can_create_tokens(owner):
        raise TokenError(_("Only platform admins and city organizers can create API tokens."))
    if not two_factor:
        raise TokenError(_("Sign in with two-factor authentication to create API tokens."))
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the token a name, so you know later what uses it."))
    if not scopes or set(scopes) - set(Scope.values):
        raise TokenError(_("Choose at least one permission for the token."))
    if city is not None and not permissions.grantable_cities(owner).filter(pk=city.pk).exists():
        raise TokenError(_("You can only limit a token to a city you organize."))
    if city is None and not permissions.event_permissions.is_platform_admin(owner) and not permissions.grantable_cities(owner).exists():
        raise TokenError(_("You organize no city."))
    now = timezone.now()
    if expires_at <= now or expires_at > now + timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise TokenError(
            ngettext(
                "A token expires between tomorrow and %(days)s day from now.",
                "A token expires between tomorrow and %(days)s days from now.",
                settings.API_TOKEN_MAX_DAYS,
            )
            % {"days": settings.API_TOKEN_MAX_DAYS}
        )
    raw = new_raw_token()
    token = ApiToken.objects.create(
        owner=owner, name=name[:100], prefix=raw[:12], token_hash=hash_token(raw), scopes=sorted(set(scopes)),
        city=city, expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if not permissions.can_manage_token(actor, token):
        raise TokenError(_("You cannot revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
