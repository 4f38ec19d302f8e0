"""Cutting registrations loose from their person: the step retention and deletion share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from events.models import Answer, Registration


@transaction.atomic
def registrations_anonymise(*, registration_ids: Iterable[int]) -> int:
    """Anonymise these registrations: answers deleted, person and free texts emptied.

    The row, its status and its attendance stay, as counts for the evidence base.
    Already anonymised rows are left alone, so running it twice changes nothing.
    """
    ids = list(
        Registration.objects.filter(pk__in=list(registration_ids), anonymised_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return 0
    Answer.objects.filter(registration_id__in=ids).delete()
    # Nobody is left to take a seat: a row still pending or waiting (an event already under
    # way, where the participant's own cancellation is refused) can never be promoted.
    Registration.objects.filter(pk__in=ids, status__in=(Registration.Status.PENDING, Registration.Status.WAITING)).update(
        status=Registration.Status.CANCELLED, cancelled_at=timezone.now()
    )
    return Registration.objects.filter(pk__in=ids).update(
        user=None,
        decision_message="",
        cancel_reason="",
        decided_by=None,
        cancelled_by=None,
        consent_text_version="",
        consent_given_at=None,
        anonymised_at=timezone.now(),
    )
