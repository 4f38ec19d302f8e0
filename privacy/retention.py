"""Retention policies as read by the purge job: per city, with the defaults of issue 13."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from privacy.models import RetentionPolicy


@dataclass(frozen=True)
class Policy:
    registration_months: int
    sensitive_answer_months: int
    email_body_days: int
    survey_token_days: int

    @classmethod
    def default(cls) -> Policy:
        d = RetentionPolicy.DEFAULTS
        return cls(d["registration_months"], d["sensitive_answer_months"], d["email_body_days"], d["survey_token_days"])

    @classmethod
    def of(cls, row: RetentionPolicy | None) -> Policy:
        if row is None:
            return cls.default()
        return cls(row.registration_months, row.sensitive_answer_months, row.email_body_days, row.survey_token_days)


def policies_by_city() -> dict[int, Policy]:
    """Every city's policy (the defaults for cities without a row), in one query."""
    from events.models import City

    rows = {row.city_id: row for row in RetentionPolicy.objects.all()}
    return {pk: Policy.of(rows.get(pk)) for pk in City.objects.values_list("pk", flat=True)}


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` minus whole calendar months (31 March − 1 month = 28/29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


INACTIVE_ACCOUNT_MONTHS = RetentionPolicy.DEFAULTS["inactive_account_months"]
INACTIVE_WARNING = timedelta(days=RetentionPolicy.DEFAULTS["inactive_warning_days"])

# Steps other apps add to the purge (surveys: invitation tokens after the survey closes).
# Each is ``step(*, now, policies, batch_size) -> int`` and must be idempotent.
EXTRA_STEPS: dict[str, Callable[..., int]] = {}


def register_step(name: str):
    def decorator(step):
        EXTRA_STEPS[name] = step
        return step

    return decorator


def held_event_ids(now: datetime | None = None):
    """Events under an audit hold today: the purge leaves their records alone."""
    from privacy.models import AuditHold

    today = timezone.localdate(now or timezone.now())
    return AuditHold.objects.filter(until__gte=today).values("event_id")
