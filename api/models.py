"""API tokens, idempotency records, webhook subscriptions and their delivery outbox."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

TOKEN_PREFIX = "epi_"


def hash_token(raw: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a sufficient one-way store."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class Scope(models.TextChoices):
    EVENTS_READ = "events:read", _("Events: read (drafts included)")
    EVENTS_WRITE = "events:write", _("Events: publish and cancel")
    REGISTRATIONS_READ = "registrations:read", _("Registrations: read and export")
    REGISTRATIONS_WRITE = "registrations:write", _("Registrations: register and cancel")
    ATTENDANCE_READ = "attendance:read", _("Attendance: read")
    ATTENDANCE_WRITE = "attendance:write", _("Attendance: record")
    CERTIFICATES_READ = "certificates:read", _("Certificates: read")
    CERTIFICATES_WRITE = "certificates:write", _("Certificates: revoke")
    EVALUATION_READ = "evaluation:read", _("Evaluation aggregates: read")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, owner__is_active=True)


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters, shown in lists so a token can be recognised; the rest is never stored.
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    city = models.ForeignKey(
        "events.City", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("city"),
        help_text=_("Empty: every city the owner organizes."),
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def scope_labels(self) -> list[str]:
        """The scopes in the reader's language, in the order of the form."""
        return [str(label) for value, label in Scope.choices if value in (self.scopes or [])]

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.owner.is_active


class IdempotencyKey(models.Model):
    """The answer to a POST made with an ``Idempotency-Key``, replayed when the same key comes again."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotencykey_unique_per_token")]

    def __str__(self):
        return f"{self.token_id}: {self.key}"


class WebhookEventType(models.TextChoices):
    REGISTRATION_CREATED = "registration.created", _("Registration created")
    REGISTRATION_CANCELLED = "registration.cancelled", _("Registration cancelled")
    REGISTRATION_PROMOTED = "registration.promoted", _("Registration promoted from the waiting list")
    EVENT_PUBLISHED = "event.published", _("Event published")
    EVENT_CHANGED = "event.changed", _("Event changed")
    EVENT_CANCELLED = "event.cancelled", _("Event cancelled")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")
    CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate revoked")


def new_webhook_secret() -> str:
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookQuerySet(models.QuerySet):
    def active(self):
        return self.filter(disabled_at__isnull=True, owner__is_active=True)


class Webhook(models.Model):
    class DisabledReason(models.TextChoices):
        # A code, translated when shown: the owner's page and email speak the reader's language.
        GONE = "gone", _("The receiver answered 410 Gone.")
        FAILURES = "failures", _("Too many deliveries in a row failed.")
        PAUSED = "paused", _("Paused by its owner.")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("owner")
    )
    city = models.ForeignKey("events.City", on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("city"))
    url = models.URLField(_("address"), max_length=500)
    event_types = models.JSONField(pgettext_lazy("kinds of change sent to a webhook", "changes"), default=list)
    secret = models.CharField(max_length=80, default=new_webhook_secret, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(pgettext_lazy("date a webhook was disabled", "disabled on"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(
        _("why disabled"), max_length=20, choices=DisabledReason.choices, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["city__name", "url", "id"]

    def __str__(self):
        return self.url

    def event_type_labels(self) -> list[str]:
        return [str(label) for value, label in WebhookEventType.choices if value in (self.event_types or [])]

    def disabled_reason_text(self) -> str:
        """Why the hook is disabled, in the active language."""
        if self.disabled_reason == self.DisabledReason.FAILURES and self.consecutive_failures:
            return ngettext(
                "%(count)s delivery in a row failed.", "%(count)s deliveries in a row failed.", self.consecutive_failures
            ) % {"count": self.consecutive_failures}
        return str(self.get_disabled_reason_display())


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


class WebhookDelivery(models.Model):
    """One message for one webhook: the outbox row, written in the transaction of the change."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, default=new_message_id, editable=False)
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker that claims the row sets this; a worker killed mid-delivery lets it lapse.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhookdelivery_due_idx", condition=Q(status="pending")
            )
        ]

    def __str__(self):
        return f"{self.event_type} → {self.webhook_id} ({self.status})"
