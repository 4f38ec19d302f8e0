"""Account deletion: a request with a 7-day grace period and an undo link, then the erasure."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.models import Certificate
from certificates.services.certificates import certificate_revoke
from events.models import Registration
from events.services.registrations import RegistrationError, registration_cancel
from outbox.models import OutgoingEmail
from outbox.services.emails import email_queue
from privacy.models import DataExport, DeletionRequest
from privacy.services.anonymise import registrations_anonymise

logger = logging.getLogger(__name__)

GRACE = timedelta(days=7)


class DeletionError(Exception):
    """A user-fixable problem; ``str()`` is a translated message."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pending_deletion(user: User) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status=DeletionRequest.Status.PENDING).first()


def user_delete_request(*, user: User, certificates: str = DeletionRequest.CertificateChoice.KEEP) -> DeletionRequest:
    """Ask for ``user``'s account to be deleted in 7 days; emails an undo link (masked once sent)."""
    if certificates not in DeletionRequest.CertificateChoice.values:
        raise DeletionError(_("Please choose what happens to your certificates."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = pending_deletion(user)
        if existing is not None:
            return existing
        token = secrets.token_urlsafe(32)
        request = DeletionRequest.objects.create(
            user=user, certificates=certificates, undo_token_hash=token_hash(token), due_at=timezone.now() + GRACE
        )
        link = settings.SITE_URL + reverse("privacy:delete_undo", args=[token])
        email_queue(
            user=user,
            template="account_deletion_requested",
            context={"undo_link": link, "request": request},
            secrets=[link, token],
        )
    return request


@transaction.atomic
def user_delete_undo(*, token: str) -> DeletionRequest | None:
    """Cancel a pending deletion from its emailed link (or the My data page); None if not pending."""
    request = (
        DeletionRequest.objects.select_for_update()
        .filter(undo_token_hash=token_hash(token), status=DeletionRequest.Status.PENDING)
        .first()
    )
    if request is None:
        return None
    request.status = DeletionRequest.Status.UNDONE
    request.finished_at = timezone.now()
    request.save(update_fields=["status", "finished_at"])
    return request


def user_delete_cancel(*, user: User) -> DeletionRequest | None:
    """Undo from the My data page, signed in."""
    request = pending_deletion(user)
    if request is None:
        return None
    DeletionRequest.objects.filter(pk=request.pk, status=DeletionRequest.Status.PENDING).update(
        status=DeletionRequest.Status.UNDONE, finished_at=timezone.now()
    )
    request.refresh_from_db()
    return request


def user_delete_execute(*, request_id: int, now=None) -> bool:
    """Carry out a deletion whose grace period is over; True when done (idempotent)."""
    now = now or timezone.now()
    request = DeletionRequest.objects.filter(
        pk=request_id, status=DeletionRequest.Status.PENDING, due_at__lte=now
    ).select_related("user").first()
    if request is None or request.user is None:
        return False
    user_erase(user=request.user, certificates=request.certificates)
    DeletionRequest.objects.filter(pk=request.pk).update(status=DeletionRequest.Status.DONE, finished_at=timezone.now())
    return True


def user_erase(*, user: User, certificates: str = DeletionRequest.CertificateChoice.KEEP) -> None:
    """Erase an account now: cancel future registrations (seats go to the waiting list),
    anonymise the rest, treat certificates as the holder chose, then delete the user."""
    now = timezone.now()
    future = Registration.objects.filter(user=user, status__in=Registration.ACTIVE_STATUSES).filter(
        Q(event__starts_at__gt=now) | Q(event__starts_at__isnull=True)
    )
    for registration in future.select_related("event"):
        try:
            # Through the door every cancellation takes: the freed seat is offered to the next person.
            registration_cancel(registration=registration, actor=user)
        except RegistrationError:
            logger.info("registration %s could not be cancelled before erasure", registration.pk)
    with transaction.atomic():
        if certificates == DeletionRequest.CertificateChoice.ERASE:
            for certificate in Certificate.objects.filter(holder=user):
                if certificate.is_valid:
                    certificate_revoke(certificate=certificate, actor=None, reason=_("Erased at the holder's request."))
                if certificate.pdf:
                    certificate.pdf.delete(save=False)
                Certificate.objects.filter(pk=certificate.pk).update(holder_name="", pdf="")
        registrations_anonymise(registration_ids=Registration.objects.filter(user=user).values_list("pk", flat=True))
        OutgoingEmail.objects.filter(Q(user=user) | Q(to_email__iexact=user.email)).delete()
        for export in DataExport.objects.filter(user=user).exclude(file_path=""):
            default_storage.delete(export.file_path)
        # Consents, demographics, exports, email addresses, two-factor keys and memberships
        # go with the user row (CASCADE); certificates and deletion records keep no link (SET_NULL).
        user.delete()
