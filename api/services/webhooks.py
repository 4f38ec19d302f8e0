"""Webhooks: the outbox (written in the transaction of the change), signed delivery, retries, disabling.

``webhook_emit`` is called by the event, registration and certificate services inside their
transactions; a rolled-back change leaves no delivery, a committed one always has its rows,
and the rows are sent after commit (and again by the periodic ``webhook_deliver_due``).
Payloads are thin: type, ids and time, never personal data.
"""

from __future__ import annotations

import http.client
import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook as Signer

from api import permissions, transport
from api.models import IdempotencyKey, Webhook, WebhookDelivery, WebhookEventType
from events.models import CityMembership
from outbox.dispatch import dispatch
from outbox.services.emails import email_queue

logger = logging.getLogger(__name__)

# Minutes before attempt 2, 3, …; the last step repeats until WEBHOOK_RETRY_HOURS have passed.
BACKOFF_MINUTES = (1, 5, 15, 30, 60, 120, 240, 480, 720)
# How long a claimed delivery is left alone before another worker may take it (a killed worker).
CLAIM_SECONDS = 120


class WebhookError(Exception):
    """A refused subscription; ``str()`` is a translated message."""


# The task that sends one delivery (api.tasks).
DELIVER_TASK = "api.tasks.deliver_webhook"


def _dispatch(ids: list[int]) -> None:
    # No fallback with the broker down: the delivery row waits, and deliver_due_webhooks sends it.
    for delivery_id in ids:
        dispatch(DELIVER_TASK, delivery_id, fallback=False)


def webhooks_subscribed(*, city_id: int, event_type: str) -> list[Webhook]:
    """The active webhooks of a city that want ``event_type`` (one query).

    Only hooks whose owner may still manage the city: like a token, a hook never outlives its
    owner's rights (the same rule as ``events.permissions.can_manage_city``).
    """
    still_organizer = Exists(CityMembership.objects.filter(user=OuterRef("owner"), city=OuterRef("city")))
    hooks = (
        Webhook.objects.active().filter(city_id=city_id)
        .filter(Q(owner__is_staff=True) | still_organizer)
        .only("pk", "event_types")
    )
    return [hook for hook in hooks if event_type in (hook.event_types or [])]


def webhook_emit(
    *, event_type: str, city_id: int, data: dict[str, int], at: datetime | None = None, hooks: list | None = None
) -> int:
    """Queue one delivery per active webhook of the city subscribed to ``event_type``; how many.

    Call it inside the transaction that makes the change: the rows commit with it. ``hooks``:
    ``webhooks_subscribed``'s answer when the caller asked already.
    """
    if hooks is None:
        hooks = webhooks_subscribed(city_id=city_id, event_type=event_type)
    if not hooks:
        return 0
    now = at or timezone.now()
    payload = {"type": event_type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data}
    with transaction.atomic():
        rows = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(webhook=hook, event_type=event_type, payload=payload, created_at=now, next_attempt_at=now)
            for hook in hooks
        )
        ids = [row.pk for row in rows if row.pk]
        _dispatch(ids)
    return len(rows)


def sign(*, secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``."""
    signature = Signer(secret).sign(msg_id=message_id, timestamp=timestamp, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this worker; False when it is done, not due, or another worker has it."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )


def next_attempt(*, created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed tries; None once the retry window is over."""
    minutes = BACKOFF_MINUTES[min(attempts - 1, len(BACKOFF_MINUTES) - 1)]
    when = now + timedelta(minutes=minutes)
    if when > created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
        return None
    return when


def webhook_disable(*, webhook: Webhook, reason: str, failures: int = 0) -> None:
    """Stop sending to a hook and tell its owner by email. ``reason``: a ``Webhook.DisabledReason``,
    stored as a code and put into words in the language of whoever reads it."""
    with transaction.atomic():
        changed = Webhook.objects.filter(pk=webhook.pk, disabled_at__isnull=True).update(
            disabled_at=timezone.now(), disabled_reason=reason
        )
        if not changed:
            return
        WebhookDelivery.objects.filter(webhook=webhook, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, claimed_until=None
        )
        email_queue(
            user=webhook.owner,
            template="webhook_disabled",
            context={
                "webhook": webhook,
                "reason_code": reason,
                "failures": failures,
                "manage_url": settings.SITE_URL + reverse("api_pages:index"),
            },
            event=None,
            dedupe_key=f"webhook-disabled:{webhook.pk}:{int(timezone.now().timestamp())}",
        )


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery if it is due and nobody else is sending it; record the outcome."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("webhook__owner").get(pk=delivery_id)
    hook = delivery.webhook
    if hook.disabled_at is not None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED, claimed_until=None)
        return delivery
    body = body_of(delivery)
    headers = {
        **sign(secret=hook.secret, message_id=delivery.message_id, timestamp=now, body=body),
        "Content-Type": "application/json",
        "User-Agent": "EPI-Events-Webhooks/1",
    }
    status_code, error = None, ""
    try:
        status_code = transport.post(hook.url, body=body.encode(), headers=headers)
    except transport.UnsafeTarget as exc:
        error = str(exc)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timeout, TLS, malformed answer
        error = f"{type(exc).__name__}: {exc}"[:300]
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.claimed_until = None
    delivery.attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.save(update_fields=["status", "delivered_at", "last_status_code", "last_error", "claimed_until"])
        Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=0)
        return delivery
    Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = Webhook.objects.values_list("consecutive_failures", flat=True).get(pk=hook.pk)
    retry_at = next_attempt(created_at=delivery.created_at, attempts=delivery.attempts, now=now)
    if retry_at is None:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = retry_at
    delivery.save(update_fields=["status", "next_attempt_at", "last_status_code", "last_error", "claimed_until"])
    if status_code == 410:
        webhook_disable(webhook=hook, reason=Webhook.DisabledReason.GONE)
    elif failures >= settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES:
        webhook_disable(webhook=hook, reason=Webhook.DisabledReason.FAILURES, failures=failures)
    return delivery


def webhook_deliver_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send every pending delivery that is due, including those a killed worker left claimed."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for delivery_id in ids:
        if webhook_deliver(delivery_id=delivery_id, now=now) is not None:
            sent += 1
    return sent


def webhook_resend(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send a logged delivery again (same message id, so the receiver can tell it is the same message)."""
    if not permissions.can_manage_webhook(actor, delivery.webhook):
        raise WebhookError(_("You cannot manage this webhook."))
    if delivery.webhook.disabled_at is not None:
        raise WebhookError(_("Enable the webhook again before resending."))
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=now, claimed_until=None, created_at=now
        )
        _dispatch([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def webhook_create(*, owner, city, url: str, event_types: list[str]) -> Webhook:
    if not permissions.can_manage_webhooks_of(owner, city):
        raise WebhookError(_("You cannot add webhooks for this city."))
    unknown = set(event_types) - set(WebhookEventType.values)
    if not event_types or unknown:
        raise WebhookError(_("Choose at least one kind of change to send."))
    # Scheme, shape and addresses now; the addresses are checked again at every delivery.
    try:
        transport.check_target(url)
    except transport.UnsafeTarget as exc:
        raise WebhookError(str(exc))
    return Webhook.objects.create(owner=owner, city=city, url=url, event_types=sorted(set(event_types)))


def webhook_set_enabled(*, webhook: Webhook, actor, enabled: bool) -> Webhook:
    if not permissions.can_manage_webhook(actor, webhook):
        raise WebhookError(_("You cannot manage this webhook."))
    if enabled:
        Webhook.objects.filter(pk=webhook.pk).update(disabled_at=None, disabled_reason="", consecutive_failures=0)
    else:
        Webhook.objects.filter(pk=webhook.pk).update(
            disabled_at=timezone.now(), disabled_reason=Webhook.DisabledReason.PAUSED
        )
    webhook.refresh_from_db()
    return webhook


def webhooks_purge(*, now: datetime | None = None) -> int:
    """Forget deliveries older than the log keeps, and idempotency keys older than a day."""
    now = now or timezone.now()
    IdempotencyKey.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    deleted, _rows = WebhookDelivery.objects.filter(
        created_at__lt=now - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    ).exclude(status=WebhookDelivery.Status.PENDING).delete()
    return deleted
