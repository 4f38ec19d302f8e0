"""Every access decision of the certificates app. Views ask here; tests cover it as a matrix.

Issuing and revoking belong to the event's trainers and its city's organizers (and
platform admins). A certificate's PDF is for its holder and those same people; for
anyone else it does not exist (404). Once revoked, only those who issue still get the
file; the holder gets a page saying it was revoked (410). Verification is public.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from events import permissions as event_permissions

if TYPE_CHECKING:
    from accounts.models import User
    from certificates.models import Certificate
    from events.models import Event


def can_issue_certificates(user: User, event: Event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return event_permissions.can_manage_event(user, event) or event_permissions.is_trainer_of(user, event)


def can_download_certificate(user: User, certificate: Certificate) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if certificate.holder_id is not None and certificate.holder_id == user.pk:
        return True
    return can_issue_certificates(user, certificate.event)


def can_download_revoked_certificate(user: User, certificate: Certificate) -> bool:
    """A revoked certificate's file is kept for the record by those who issue; its holder is
    told it was revoked instead of receiving it as if it still counted."""
    return can_issue_certificates(user, certificate.event)


def can_change_certificate(user: User, certificate: Certificate) -> bool:
    """Re-issue or revoke."""
    return can_issue_certificates(user, certificate.event)
