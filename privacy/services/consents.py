"""The one door for consents: give, withdraw, and ask whether one is active."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from privacy.models import Consent, DemographicProfile, Purpose
from privacy.texts import wording


def consent_is_active(user: User, purpose: str, city=None) -> bool:
    """True while ``user`` has an active consent for ``purpose`` (everywhere, or in ``city``).

    Asked at the moment of use, so a withdrawal stops the use at once.
    """
    if user is None or not getattr(user, "pk", None):
        return False
    return Consent.objects.active().for_purpose(purpose, city).filter(user=user).exists()


def consent_give(
    *, user: User, purpose: str, how: str, text_version: str | None = None, city=None
) -> Consent:
    """Record that ``user`` agreed to ``purpose`` (in ``city``, or everywhere when None).

    Giving a consent that is already active returns the active one unchanged.
    """
    if purpose not in Purpose.values:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    if how not in Consent.How.values:
        raise ValueError(f"unknown way of giving consent {how!r}")
    if text_version is None:
        text_version = wording(purpose, city).version
    existing = Consent.objects.active().filter(user=user, purpose=purpose, city=city).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Consent.objects.create(
                user=user, purpose=purpose, city=city, text_version=text_version, how=how
            )
    except IntegrityError:
        # Two clicks at once: the partial unique index kept one; return it.
        return Consent.objects.active().get(user=user, purpose=purpose, city=city)


@transaction.atomic
def consent_withdraw(*, user: User, purpose: str, city=None) -> int:
    """Withdraw ``user``'s active consent for ``purpose`` (in ``city``); how many were withdrawn.

    Withdrawing the demographics consent deletes the demographic answers in the same
    transaction.
    """
    now = timezone.now()
    withdrawn = Consent.objects.active().filter(user=user, purpose=purpose, city=city).update(withdrawn_at=now)
    if purpose == Purpose.DEMOGRAPHICS:
        DemographicProfile.objects.filter(user=user).delete()
    return withdrawn


def consent_withdraw_by_id(*, user: User, consent_id: int) -> int:
    """The "withdraw" button of the My data page: only the user's own consents."""
    consent = Consent.objects.active().filter(user=user, pk=consent_id).first()
    if consent is None:
        return 0
    return consent_withdraw(user=user, purpose=consent.purpose, city=consent.city)
