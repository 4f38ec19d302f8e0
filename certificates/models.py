"""Attendance certificates, the bulk jobs that issue them, and their numbering.

An issued certificate is a record of what was printed: the holder's name, the event,
its dates and hours, the trainers and the language are copied into the row when it
is issued and never recomputed, so the PDF, the verification page and the list of
certificates keep telling the same story after profiles or events change.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from events.i18n import join_list
from events.validation import SHORT_NOTE_MAX_LENGTH

REVOKE_REASON_MAX_LENGTH = 1000


def new_verification_code() -> str:
    # 96 random bits, URL-safe, short enough to type from paper.
    return secrets.token_urlsafe(12)


def certificate_upload_to(instance: "Certificate", filename: str) -> str:
    # The PDF is served only through a view that checks access; a random path keeps it
    # unguessable even if the storage is ever exposed directly.
    return "certificates/%d/%s.pdf" % (timezone.now().year, secrets.token_urlsafe(24))


class CertificateQuerySet(models.QuerySet):
    def current(self):
        """Certificates still standing for their registration: valid or revoked, not replaced."""
        return self.exclude(status=Certificate.Status.SUPERSEDED)

    def valid(self):
        return self.filter(status=Certificate.Status.VALID)

    def for_holder(self, user):
        return self.filter(holder=user).select_related("event__city").order_by("-issued_at", "-id")

    def for_event_page(self, event):
        return (
            self.filter(event=event)
            .select_related("holder", "registration", "replaced_by")
            .order_by("holder_name", "-issued_at", "-id")
        )


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", pgettext_lazy("certificate status", "Valid")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("certificate number"), max_length=40, unique=True, editable=False)
    code = models.CharField(
        _("verification code"), max_length=40, unique=True, default=new_verification_code, editable=False
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    # The registration and holder may be erased later (account deletion); the certificate,
    # its frozen data and its verification stay.
    registration = models.ForeignKey(
        "events.Registration", on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates",
        verbose_name=_("registration"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates",
        verbose_name=_("holder"),
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("event")
    )
    batch = models.ForeignKey(
        "CertificateBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates",
        editable=False, verbose_name=_("batch"),
    )
    pdf = models.FileField(_("PDF"), upload_to=certificate_upload_to, max_length=200, editable=False)

    # What the certificate printed, frozen at issue.
    language = models.CharField(_("language"), max_length=10, editable=False)
    holder_name = models.CharField(_("holder's name"), max_length=200, editable=False)
    event_title = models.CharField(_("event title"), max_length=200, editable=False)
    event_kind = models.CharField(_("kind of event"), max_length=200, editable=False)
    city_name = models.CharField(_("city"), max_length=100, editable=False)
    first_date = models.DateField(_("first day"), editable=False)
    last_date = models.DateField(_("last day"), editable=False)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, editable=False)
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"), editable=False)
    sessions_total = models.PositiveSmallIntegerField(_("sessions held"), editable=False)
    trainer_names = models.JSONField(_("trainers"), default=list, editable=False)
    signatory_name = models.CharField(_("signatory name"), max_length=200, blank=True, editable=False)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True, editable=False)
    closing_text = models.TextField(
        _("closing text"), blank=True, max_length=SHORT_NOTE_MAX_LENGTH, editable=False,
        validators=[MaxLengthValidator(SHORT_NOTE_MAX_LENGTH)],
    )
    funding_line = models.CharField(_("funding line"), max_length=300, blank=True, editable=False)

    issued_at = models.DateTimeField(pgettext_lazy("date of issue", "issued"), default=timezone.now, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("issued by")
    )
    # The certificate this one re-issues. The link lives on the newer row so that the old
    # one can stop being valid before the new one is written, in one transaction.
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", editable=False,
        verbose_name=_("replaces"),
    )
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("revoked by")
    )
    revoked_reason = models.TextField(
        _("reason for revocation"), blank=True, max_length=REVOKE_REASON_MAX_LENGTH, editable=False,
        validators=[MaxLengthValidator(REVOKE_REASON_MAX_LENGTH)],
    )

    # The Open Badges 3.0 credential signed at issue (compact JWS), when the site had a key.
    credential_id = models.UUIDField(_("credential id"), null=True, blank=True, unique=True, editable=False)
    credential_jwt = models.TextField(_("signed credential"), blank=True, editable=False)
    # This certificate's bit in the site's revocation status list (see certificates.status).
    status_index = models.PositiveIntegerField(
        _("status list index"), null=True, blank=True, unique=True, editable=False
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        constraints = [
            # The bulk job's idempotence rests on this: a registration holds at most one valid certificate.
            models.UniqueConstraint(
                fields=["registration"], condition=Q(status="valid"), name="certificate_one_valid_per_registration"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False), name="certificate_revoked_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status="superseded") | Q(superseded_at__isnull=False),
                name="certificate_superseded_has_date",
            ),
            models.CheckConstraint(condition=Q(first_date__lte=models.F("last_date")), name="certificate_dates_ordered"),
        ]
        indexes = [models.Index(fields=["event", "status"], name="certificate_event_status_idx")]

    def __str__(self):
        return f"{self.number} · {self.holder_name}"

    def get_absolute_url(self):
        return reverse("certificates:download", kwargs={"pk": self.pk})

    def get_verification_path(self):
        return reverse("certificates:verify", kwargs={"code": self.code})

    @property
    def verification_url(self) -> str:
        return settings.SITE_URL + self.get_verification_path()

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"

    @property
    def has_credential(self) -> bool:
        return bool(self.credential_jwt)

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def dates_display(self) -> str:
        """The frozen dates in the active language: '3 March 2026' or '3 March 2026 – 7 April 2026'."""
        first = formats.date_format(self.first_date, "DATE_FORMAT")
        if self.first_date == self.last_date:
            return first
        return gettext("%(start)s – %(end)s") % {"start": first, "end": formats.date_format(self.last_date, "DATE_FORMAT")}

    @property
    def hours_display(self) -> Decimal | int:
        """7.50 → 7.5 and 8.00 → 8; templates localise the decimal separator."""
        hours = Decimal(self.hours)
        if hours == hours.to_integral_value():
            return int(hours)
        return hours.normalize()

    @property
    def hours_is_whole(self) -> bool:
        """Whole hours take the language's plural forms; fractions ("7.5") one form of their own."""
        return isinstance(self.hours_display, int)

    @property
    def trainers_display(self) -> str:
        return join_list(self.trainer_names)


class CertificateBatch(models.Model):
    """One "issue to everyone eligible" job, whose progress the page polls."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Issuing")
        DONE = "done", _("Finished")
        FAILED = "failed", pgettext_lazy("certificate batch status", "Failed")

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="certificate_batches", verbose_name=_("event")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("started by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("to issue"), default=0)
    done = models.PositiveIntegerField(_("processed"), default=0)
    issued = models.PositiveIntegerField(pgettext_lazy("number of certificates", "issued"), default=0)
    # The work is split by registration id into ``parts`` tasks that workers run side by side.
    parts = models.PositiveSmallIntegerField(default=1, editable=False, verbose_name=_("parts"))
    parts_done = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("parts done"))
    error = models.TextField(_("error"), blank=True)
    # Holders left out because no installed font can print their name (a trainer issues them
    # one by one once that is solved).
    unprintable_names = models.JSONField(_("names that cannot be printed"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Touched after every chunk, so a job whose worker died can be told from a slow one.
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(status__in=["pending", "running"]), name="certificatebatch_one_active"
            ),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="certificatebatch_done_le_total"),
        ]

    def __str__(self):
        return f"{self.event} · {self.done}/{self.total} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if not self.is_active else 0
        return min(100, self.done * 100 // self.total)


class CertificateSequence(models.Model):
    """The last number used per prefix and year: EPI-RIG-2026-000123."""

    prefix = models.CharField(max_length=20, verbose_name=_("prefix"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("certificate number counter")
        verbose_name_plural = _("certificate number counters")
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="certificatesequence_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"
