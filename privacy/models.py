"""Consents, the optional demographic block, and (later) retention records.

A consent is a record, never a flag: each row says what was agreed to (``purpose``),
which wording (``text_version``), when and how; withdrawing stamps ``withdrawn_at``
and keeps the row as proof. Giving again makes a new row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    """What a participant may agree to, each optional and unticked (issue 13 item 2)."""

    LISTED = "listed", _("Being listed to other participants")
    PHOTOS = "photos", _("Photos at the event")
    INVITATIONS = "invitations", _("Invitations to future events")
    DEMOGRAPHICS = "demographics", _("The demographic questions of the evaluation")


class ConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)

    def for_purpose(self, purpose: str, city=None):
        """Consents that cover ``purpose`` in ``city``: one given for every city, or for that one."""
        wanted = Q(city__isnull=True)
        if city is not None:
            wanted |= Q(city=city)
        return self.filter(wanted, purpose=purpose)


class Consent(models.Model):
    class How(models.TextChoices):
        MY_DATA = "my_data", _("On the “My data” page")
        REGISTRATION = "registration", _("On the registration form")
        PROFILE = "profile", _("In the profile")
        PAPER = "paper", pgettext_lazy("how a consent was given", "On paper, recorded by an organizer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents", verbose_name=_("participant")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # Empty: given for every city (the demographic block is asked once in the profile).
    city = models.ForeignKey(
        "events.City", on_delete=models.CASCADE, null=True, blank=True, related_name="consents", verbose_name=_("city")
    )
    text_version = models.CharField(_("text version"), max_length=40)
    given_at = models.DateTimeField(_("given on"), default=timezone.now)
    how = models.CharField(_("how it was given"), max_length=20, choices=How.choices)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(withdrawn_at__isnull=True, city__isnull=True),
                name="consent_one_active_everywhere",
            ),
            models.UniqueConstraint(
                fields=["user", "purpose", "city"],
                condition=Q(withdrawn_at__isnull=True, city__isnull=False),
                name="consent_one_active_per_city",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.purpose} {self.text_version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ConsentText(models.Model):
    """A city's own wording of a consent (or of the information notice), with its version.

    Without a row the built-in, translated wording of ``privacy.texts`` applies.
    ``text_translations`` maps a language code to the wording in that language.
    """

    NOTICE = "notice"
    KIND_CHOICES = [(NOTICE, _("Information notice")), *Purpose.choices]

    city = models.ForeignKey(
        "events.City", on_delete=models.CASCADE, related_name="consent_texts", verbose_name=_("city")
    )
    kind = models.CharField(_("text"), max_length=20, choices=KIND_CHOICES)
    version = models.CharField(_("version"), max_length=40)
    text = models.TextField(_("wording"))
    text_translations = models.JSONField(_("translations of the wording"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [models.UniqueConstraint(fields=["city", "kind"], name="consenttext_one_per_city_kind")]

    def __str__(self):
        return f"{self.city_id} {self.kind} {self.version}"


class DemographicProfile(models.Model):
    """The optional demographic block of the evaluation, answered once in the profile.

    Kept only while the user's demographics consent is active (withdrawal deletes the row);
    read only as aggregates, never in a per-person view or export other than the person's own.
    """

    PREFER_NOT = "prefer_not"

    class Moved(models.TextChoices):
        YES = "yes", pgettext_lazy("answer", "Yes")
        NO = "no", pgettext_lazy("answer", "No")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    class Years(models.TextChoices):
        UNDER_1 = "lt1", _("Less than a year")
        Y1_2 = "1-2", _("1–2 years")
        Y3_5 = "3-5", _("3–5 years")
        Y6_10 = "6-10", _("6–10 years")
        OVER_10 = "gt10", _("More than 10 years")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    class Age(models.TextChoices):
        UNDER_18 = "lt18", _("Under 18")
        A18_24 = "18-24", _("18–24")
        A25_34 = "25-34", _("25–34")
        A35_44 = "35-44", _("35–44")
        A45_54 = "45-54", _("45–54")
        A55_64 = "55-64", _("55–64")
        A65 = "65+", _("65 or older")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        SELF = "self", _("I describe myself as…")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="demographics", verbose_name=_("participant")
    )
    moved_to_country = models.CharField(
        _("I moved to this country"), max_length=20, choices=Moved.choices, blank=True
    )
    years_in_country = models.CharField(
        _("Years in the country"), max_length=20, choices=Years.choices, blank=True
    )
    age_band = models.CharField(_("Age"), max_length=20, choices=Age.choices, blank=True)
    gender = models.CharField(_("Gender"), max_length=20, choices=Gender.choices, blank=True)
    gender_self_description = models.CharField(_("Gender, in your words"), max_length=100, blank=True)
    # A date, not a time: nothing finer than needed.
    answered_on = models.DateField(_("answered on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("demographic answers")
        verbose_name_plural = _("demographic answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(gender="self") | Q(gender_self_description=""),
                name="demographicprofile_self_description_only_for_self",
            ),
        ]

    def __str__(self):
        return f"demographics of {self.user_id}"


class RetentionPolicy(models.Model):
    """How long a city keeps what; without a row the defaults below apply (issue 13 item 3)."""

    DEFAULTS = {
        "registration_months": 12,
        "sensitive_answer_months": 1,
        "email_body_days": 90,
        "survey_token_days": 30,
        "inactive_account_months": 25,
        "inactive_warning_days": 30,
    }

    city = models.OneToOneField(
        "events.City", on_delete=models.CASCADE, related_name="retention_policy", verbose_name=_("city")
    )
    registration_months = models.PositiveSmallIntegerField(
        _("contact data and registration answers, months after the event"), default=12
    )
    sensitive_answer_months = models.PositiveSmallIntegerField(
        _("answers to sensitive questions, months after the event"), default=1
    )
    email_body_days = models.PositiveSmallIntegerField(_("stored email bodies, days"), default=90)
    survey_token_days = models.PositiveSmallIntegerField(
        _("survey invitation links, days after the survey closes"), default=30
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(sensitive_answer_months__lte=models.F("registration_months")),
                name="retentionpolicy_sensitive_not_longer",
            ),
        ]

    def __str__(self):
        return f"retention of {self.city_id}"


class AuditHold(models.Model):
    """Keeps an event's records past their retention, for platform admins only, until a date."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="audit_hold", verbose_name=_("event")
    )
    until = models.DateField(_("kept until"))
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit hold")
        verbose_name_plural = _("audit holds")

    def __str__(self):
        return f"hold on {self.event_id} until {self.until}"


class DeletionRequest(models.Model):
    """An account deletion waiting out its grace period; undone with a one-use link."""

    class CertificateChoice(models.TextChoices):
        KEEP = "keep", _("Keep them verifiable (name, event and hours stay on the verification page)")
        ERASE = "erase", _("Revoke and erase them")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the grace period")
        UNDONE = "undone", _("Undone")
        DONE = "done", _("Carried out")

    # SET_NULL: the row outlives the account as proof that the deletion was carried out.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="deletion_requests", verbose_name=_("participant"),
    )
    certificates = models.CharField(
        _("certificates"), max_length=10, choices=CertificateChoice.choices, default=CertificateChoice.KEEP
    )
    undo_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    due_at = models.DateTimeField(_("carried out after"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="deletionrequest_one_pending_per_user"
            ),
        ]

    def __str__(self):
        return f"deletion of {self.user_id} ({self.status})"


class DataExport(models.Model):
    """A "download my data" ZIP, built in the background, downloadable until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", pgettext_lazy("export status", "Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("participant")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"export of {self.user_id} ({self.status})"


class PurgeRun(models.Model):
    """One run of the retention job: when, and how many rows each step changed."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("rows changed per step"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"purge {self.started_at:%Y-%m-%d %H:%M}"
