"""The optional demographic block: saved only under its own explicit consent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from privacy.models import Consent, DemographicProfile, Purpose
from privacy.services.consents import consent_give, consent_is_active, consent_withdraw


class DemographicsError(Exception):
    """A user-fixable problem; ``str()`` is a translated message."""


FIELDS = ("moved_to_country", "years_in_country", "age_band", "gender")


@transaction.atomic
def demographics_save(
    *,
    user: User,
    moved_to_country: str = "",
    years_in_country: str = "",
    age_band: str = "",
    gender: str = "",
    gender_self_description: str = "",
    consent: bool = False,
    how: str = Consent.How.PROFILE,
) -> DemographicProfile:
    """Store the user's demographic answers; needs the demographics consent (given here or before).

    Every item may be left empty or answered "prefer not to say".
    """
    if consent:
        consent_give(user=user, purpose=Purpose.DEMOGRAPHICS, how=how)
    elif not consent_is_active(user, Purpose.DEMOGRAPHICS):
        raise DemographicsError(_("Please tick the consent to keep your answers to these questions."))
    values = {
        "moved_to_country": moved_to_country,
        "years_in_country": years_in_country,
        "age_band": age_band,
        "gender": gender,
    }
    choices = {
        "moved_to_country": DemographicProfile.Moved.values,
        "years_in_country": DemographicProfile.Years.values,
        "age_band": DemographicProfile.Age.values,
        "gender": DemographicProfile.Gender.values,
    }
    for name, value in values.items():
        if value and value not in choices[name]:
            raise DemographicsError(_("Please choose one of the answers offered."))
    description = " ".join(gender_self_description.split())[:100] if gender == DemographicProfile.Gender.SELF else ""
    profile, _created = DemographicProfile.objects.update_or_create(
        user=user,
        defaults={**values, "gender_self_description": description, "answered_on": timezone.localdate()},
    )
    return profile


def demographics_delete(*, user: User) -> None:
    """Withdraw the consent and delete the answers (the same thing, seen from the profile)."""
    consent_withdraw(user=user, purpose=Purpose.DEMOGRAPHICS)
