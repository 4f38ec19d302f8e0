"""The retention job: applies every city's policy, in batches, idempotently, logged."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from events.models import Answer, Registration
from outbox.models import OutgoingEmail
from outbox.services.emails import email_queue
from privacy.models import DataExport, DeletionRequest, PurgeRun
from privacy.retention import (
    EXTRA_STEPS,
    INACTIVE_ACCOUNT_MONTHS,
    INACTIVE_WARNING,
    Policy,
    held_event_ids,
    months_before,
    policies_by_city,
)
from privacy.services.anonymise import registrations_anonymise
from privacy.services.deletion import user_delete_execute, user_erase
from privacy.services.exports import export_expire

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


def _in_batches(queryset, work, batch_size: int) -> int:
    """Apply ``work(ids)`` to the ids of ``queryset`` ``batch_size`` at a time; total changed.

    Each batch is its own short transaction, so a registration made meanwhile waits for
    one batch at most. ``queryset`` must no longer match a row once worked on.
    """
    total = 0
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        total += work(ids)
        last = ids[-1]


def _city_cutoffs(policies: dict[int, Policy], now: datetime, months_of) -> Q:
    """Events that ended before their city's cutoff; None when there are no cities."""
    condition = Q(pk__in=[])
    for city_id, policy in policies.items():
        condition |= Q(event__city_id=city_id, event__ends_at__lt=months_before(now, months_of(policy)))
    return condition


def purge_registrations(*, now: datetime, policies: dict[int, Policy], batch_size: int = BATCH_SIZE) -> int:
    """Contact data and answers of registrations N months after their event: anonymised."""
    expired = (
        Registration.objects.filter(anonymised_at__isnull=True)
        .filter(_city_cutoffs(policies, now, lambda p: p.registration_months))
        .exclude(event_id__in=held_event_ids(now))
    )
    return _in_batches(expired, lambda ids: registrations_anonymise(registration_ids=ids), batch_size)


def purge_sensitive_answers(*, now: datetime, policies: dict[int, Policy], batch_size: int = BATCH_SIZE) -> int:
    """Answers to questions marked sensitive, a month (by default) after the event."""
    condition = Q(pk__in=[])
    for city_id, policy in policies.items():
        condition |= Q(
            question__event__city_id=city_id,
            question__event__ends_at__lt=months_before(now, policy.sensitive_answer_months),
        )
    expired = Answer.objects.filter(question__sensitive=True).filter(condition).exclude(
        question__event_id__in=held_event_ids(now)
    )

    def delete(ids):
        with transaction.atomic():
            return Answer.objects.filter(pk__in=ids).delete()[0]

    return _in_batches(expired, delete, batch_size)


def purge_email_bodies(*, now: datetime, policies: dict[int, Policy], batch_size: int = BATCH_SIZE) -> int:
    """Stored bodies of emails older than the city's limit (the defaults for emails of no event)."""
    condition = Q(event__isnull=True, created_at__lt=now - timedelta(days=Policy.default().email_body_days))
    for city_id, policy in policies.items():
        condition |= Q(event__city_id=city_id, created_at__lt=now - timedelta(days=policy.email_body_days))
    expired = (
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.QUEUED)
        .exclude(body_text="", body_html="", calendar_body="")
        .filter(condition)
        .exclude(event_id__in=held_event_ids(now))
    )

    def blank(ids):
        with transaction.atomic():
            return OutgoingEmail.objects.filter(pk__in=ids).update(
                body_text="", body_html="", calendar_body="", secret_text="", secret_html="", attachment_path=""
            )

    return _in_batches(expired, blank, batch_size)


def _inactive_users(now: datetime, months: int):
    cutoff = months_before(now, months)
    return (
        User.objects.filter(is_staff=False, city_memberships__isnull=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .annotate(last_registered=Max("registrations__created_at"))
        .filter(Q(last_registered__isnull=True) | Q(last_registered__lt=cutoff))
    )


def _warning_key(user: User) -> str:
    seen = user.last_login or user.date_joined
    return f"inactive-warning:{user.pk}:{seen:%Y%m%d%H%M%S}"


def warn_inactive_accounts(*, now: datetime, batch_size: int = BATCH_SIZE, **_kw) -> int:
    """Accounts 30 days from their inactivity limit get one email saying so (deduplicated)."""
    warn_after = INACTIVE_ACCOUNT_MONTHS
    users = _inactive_users(now + INACTIVE_WARNING, warn_after)
    sent = 0
    for user in users.order_by("pk")[:batch_size * 10]:
        if email_queue(
            user=user,
            template="account_inactive_warning",
            context={"delete_on": now + INACTIVE_WARNING},
            dedupe_key=_warning_key(user),
        ):
            sent += 1
    return sent


def erase_inactive_accounts(*, now: datetime, batch_size: int = BATCH_SIZE, **_kw) -> int:
    """Accounts inactive for 25 months, warned at least 30 days ago: erased."""
    erased = 0
    for user in _inactive_users(now, INACTIVE_ACCOUNT_MONTHS).order_by("pk")[:batch_size]:
        warned = OutgoingEmail.objects.filter(dedupe_key=_warning_key(user), created_at__lte=now - INACTIVE_WARNING)
        if warned.exists():
            user_erase(user=user)
            erased += 1
    return erased


def execute_due_deletions(*, now: datetime, batch_size: int = BATCH_SIZE, **_kw) -> int:
    due = DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING, due_at__lte=now)
    return sum(user_delete_execute(request_id=pk, now=now) for pk in due.values_list("pk", flat=True)[:batch_size])


def expire_exports(*, now: datetime, **_kw) -> int:
    expired = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lt=now)
    return sum(export_expire(export_id=pk) for pk in expired.values_list("pk", flat=True))


STEPS = {
    "deletions": execute_due_deletions,
    "registrations": purge_registrations,
    "sensitive_answers": purge_sensitive_answers,
    "email_bodies": purge_email_bodies,
    "inactive_warnings": warn_inactive_accounts,
    "inactive_accounts": erase_inactive_accounts,
    "exports": expire_exports,
}


def retention_purge(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> PurgeRun:
    """Run every step once; the run and its counts are kept (the privacy page shows the last)."""
    now = now or timezone.now()
    run = PurgeRun.objects.create(started_at=timezone.now())
    policies = policies_by_city()
    counts: dict[str, int] = {}
    try:
        for name, step in {**STEPS, **EXTRA_STEPS}.items():
            counts[name] = step(now=now, policies=policies, batch_size=batch_size)
            logger.info("retention %s: %s rows", name, counts[name])
    except Exception as exc:
        logger.exception("retention purge failed")
        run.error = str(exc)[:2000] or exc.__class__.__name__
        raise
    finally:
        run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at", "error"])
    return run


def next_purge_at(now: datetime | None = None) -> datetime:
    """When the daily job runs next (03:15 UTC, see CELERY_BEAT_SCHEDULE / the README's cron line)."""
    now = now or timezone.now()
    today = now.replace(hour=3, minute=15, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)
