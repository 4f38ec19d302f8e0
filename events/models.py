import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Languages an event can be delivered in, or a city speaks: every language Django
# knows, with names translated into the reader's language.
# Django marks these names with gettext_noop; wrapping them lazily lets its own catalogues
# translate them when a page is rendered.
LANGUAGE_CHOICES = [(code, _(name)) for code, name in sorted(ALL_LANGUAGES, key=lambda item: item[0])]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known IANA time zone."), params={"value": value})


def new_short_code() -> str:
    # 10 characters of base32-ish alphabet: 50 bits, easy to type at a door.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class City(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. LV."))
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    default_language = models.CharField(_("default language"), max_length=10, choices=LANGUAGE_CHOICES)
    narrative = models.TextField(
        _("narrative"), blank=True, help_text=_("The city's integration strategy in a few paragraphs (Markdown).")
    )
    logo = models.ImageField(_("logo"), upload_to="cities/logos/", blank=True)
    signature_image = models.ImageField(_("signature image"), upload_to="cities/signatures/", blank=True)
    signatory_name = models.CharField(_("signatory name"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)
    certificate_closing_text = models.TextField(_("certificate closing text"), blank=True)
    funding_line = models.CharField(
        _("funding line"), max_length=300, blank=True, help_text=_("Printed on certificates; empty uses the site default.")
    )
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CityMembership", related_name="organized_cities", blank=True,
        verbose_name=_("organizers"),
    )

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:city_detail", kwargs={"slug": self.slug})

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class CityMembership(models.Model):
    """Makes a user an organizer of a city."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("city"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="city_memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ORGANIZER)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("city membership")
        verbose_name_plural = _("city memberships")
        constraints = [models.UniqueConstraint(fields=["city", "user"], name="citymembership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.city}"


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def visible(self):
        """What the public programme shows: published and cancelled (marked as such)."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(ends_at__gte=now)

    def for_listing(self):
        return self.select_related("city").annotate(
            confirmed_count=Count("registrations", filter=Q(registrations__status="confirmed"), distinct=True),
            session_count=Count("sessions", distinct=True),
        )

    def for_city_admin(self, user):
        if user.is_staff:
            return self
        return self.filter(city__memberships__user=user).distinct()


class Event(models.Model):
    class Kind(models.TextChoices):
        LAUNCH = "launch", _("Launch event")
        TRAINING = "training", _("Intercultural-competence training")
        WORKSHOP = "workshop", _("Workshop / round table")
        COORDINATION = "coordination", _("Coordination-body meeting")
        PILOT = "pilot", _("Pilot action")

    class Area(models.TextChoices):
        INTERACTION = "interaction", _("Interaction")
        PARTICIPATION = "participation", _("Participation")
        GOVERNANCE = "governance", _("Governance")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="events", verbose_name=_("city"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.CharField(_("strategy area"), max_length=20, choices=Area.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is allowed."))
    language = models.CharField(_("language of delivery"), max_length=10, choices=LANGUAGE_CHOICES)
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    online_url = models.URLField(_("online meeting link"), blank=True)
    online_note = models.CharField(
        _("online meeting note"), max_length=300, blank=True,
        help_text=_("For example: the link is sent to registered participants the day before."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("Empty means unlimited."))
    requires_approval = models.BooleanField(
        _("registrations need approval"), default=False,
        help_text=_("Registrations stay pending until an organizer approves them."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    eligibility_percent = models.PositiveSmallIntegerField(
        _("attendance needed for a certificate (%)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        # xgettext:no-python-format
        help_text=_("Empty: 100 % for one-session events, 75 % for events with several sessions."),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="trained_events", blank=True, verbose_name=_("trainers")
    )
    # Derived from the sessions by the session services, so lists can sort and filter cheaply.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True, db_index=True, editable=False)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True, db_index=True, editable=False)
    # iCalendar SEQUENCE of the event as a whole; bumped when time, place or status changes.
    sequence = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("calendar sequence"))
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("cancelled on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__isnull=True)
                | Q(registration_opens_at__lt=F("registration_closes_at")),
                name="event_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(starts_at__lt=F("ends_at")),
                name="event_starts_before_ends",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event_detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def next_free_week_shift(self) -> int:
        """Whole weeks a copy must move to start after this event ends (at least 1): the
        duplicate form's default, so a copy never lands on the same dates."""
        if not self.starts_at or not self.ends_at:
            return 1
        span = self.ends_at - self.starts_at
        return span // timedelta(weeks=1) + 1

    @property
    def required_attendance_percent(self) -> int:
        if self.eligibility_percent:
            return self.eligibility_percent
        sessions = getattr(self, "session_count", None)
        if sessions is None:
            sessions = self.sessions.count()
        return 100 if sessions <= 1 else 75

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status != self.Status.PUBLISHED:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        closes = self.registration_closes_at or self.starts_at
        if closes and now >= closes:
            return False
        return True

    @property
    def map_url(self) -> str:
        """A link to OpenStreetMap; followed by the visitor, never loaded by the page."""
        from urllib.parse import quote

        if self.latitude is not None and self.longitude is not None:
            return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"
        if self.venue_address:
            return "https://www.openstreetmap.org/search?query=" + quote(f"{self.venue_address}, {self.city.name}")
        return ""


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Optional, e.g. Module 2: bias."))
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    room = models.CharField(_("room"), max_length=200, blank=True)
    # iCalendar SEQUENCE; bumped when this session's time or room changes.
    sequence = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("calendar sequence"))
    # Shown on the room's screen so participants can check themselves in.
    checkin_code = models.CharField(
        max_length=16, unique=True, default=new_short_code, editable=False, verbose_name=_("check-in code")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="session_starts_before_ends"),
        ]

    def __str__(self):
        return self.title or f"{self.event.title} #{self.pk}"

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        CONFIRMED = "confirmed", pgettext_lazy("registration status", "Confirmed")
        WAITING = "waiting", _("On the waiting list")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")

    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED, Status.WAITING)

    class Source(models.TextChoices):
        ONLINE = "online", pgettext_lazy("registration source: through the website", "Online")
        ORGANIZER = "organizer", _("Added by an organizer")
        WALK_IN = "walk_in", _("Walk-in")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("participant")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.ONLINE)
    # Assigned under the event lock, so the waiting list is in commit order.
    waiting_rank = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("waiting-list rank")
    )
    consent_text_version = models.CharField(max_length=40, blank=True, verbose_name=_("consent text version"))
    consent_given_at = models.DateTimeField(null=True, blank=True, verbose_name=_("consent given on"))
    decision_message = models.TextField(_("message"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided on"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled on"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cancelled by")
    )
    cancel_reason = models.TextField(_("reason"), blank=True)
    # Personal check-in code printed as a QR code; unique across all events.
    checkin_code = models.CharField(
        max_length=16, unique=True, default=new_short_code, editable=False, verbose_name=_("check-in code")
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("reminder sent on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=["pending", "confirmed", "waiting"]),
                name="registration_one_active_per_user_event",
            ),
            models.CheckConstraint(
                condition=Q(status="waiting", waiting_rank__isnull=False) | ~Q(status="waiting"),
                name="registration_waiting_has_rank",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"], name="registration_event_status_idx")]

    def __str__(self):
        return f"{self.user} → {self.event} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Question(models.Model):
    """A question an organizer asks everyone registering for one event."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        YES_NO = "yes_no", _("Yes / no")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event"))
    label = models.CharField(_("question"), max_length=300)
    # {"es": "...", "sv": "..."}: the label in other languages; `label` is the fallback.
    label_translations = models.JSONField(_("translations of the question"), default=dict, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    # [{"value": "wheelchair", "label": "Wheelchair access", "translations": {"sv": "..."}}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self):
        return self.label

    def label_for(self, language: str) -> str:
        return (self.label_translations or {}).get(language) or self.label


class Answer(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="answers", verbose_name=_("registration")
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question"))
    # str for text and single choice, list[str] for multiple choice, bool for yes/no.
    value = models.JSONField(verbose_name=_("answer"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["registration", "question"], name="answer_one_per_question")]

    def __str__(self):
        return f"{self.question_id}: {self.value}"


class Attendance(models.Model):
    """Whether a confirmed participant was present at one session."""

    class Method(models.TextChoices):
        SHEET = "sheet", _("Attendance sheet")
        QR = "qr", _("QR code scanned by a trainer")
        CODE = "code", _("Code typed by a trainer")
        SELF = "self", _("Self check-in")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("registration")
    )
    present = models.BooleanField(default=True, verbose_name=_("present"))
    method = models.CharField(
        max_length=10, choices=Method.choices, default=Method.SHEET, verbose_name=_("recorded by")
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(default=timezone.now, verbose_name=_("marked on"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "registration"], name="attendance_one_per_session_registration")
        ]

    def __str__(self):
        return f"{self.registration_id} @ {self.session_id}: {'present' if self.present else 'absent'}"


class OutgoingEmail(models.Model):
    """One email, rendered in its recipient's language when queued and sent by a task.

    Keeping the rendered message lets a worker retry it after the mail server comes
    back, and lets organizers see what failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_emails",
        verbose_name=_("recipient")
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_emails", verbose_name=_("event")
    )
    to_email = models.EmailField(_("recipient"))
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(max_length=10, verbose_name=_("language"))
    subject = models.CharField(_("subject"), max_length=300)
    # For an email carrying a secret (a password-reset or confirmation link, a login code)
    # body_text / body_html hold the message with the secret masked; the real bodies wait
    # in secret_text / secret_html until the email is sent, then are emptied.
    body_text = models.TextField(verbose_name=_("text"))
    body_html = models.TextField(blank=True, verbose_name=_("HTML"))
    is_secret = models.BooleanField(_("carries a secret"), default=False)
    secret_text = models.TextField(blank=True, verbose_name=_("secret text"))
    secret_html = models.TextField(blank=True, verbose_name=_("secret HTML"))
    # An iCalendar invitation sent as a text/calendar alternative (METHOD REQUEST or CANCEL).
    calendar_method = models.CharField(max_length=10, blank=True, verbose_name=_("calendar method"))
    calendar_body = models.TextField(blank=True, verbose_name=_("calendar invitation"))
    # Optional attachment, e.g. a certificate PDF, read from storage at send time.
    attachment_name = models.CharField(max_length=200, blank=True, verbose_name=_("attachment name"))
    attachment_path = models.CharField(max_length=300, blank=True, verbose_name=_("attachment path"))
    attachment_mimetype = models.CharField(max_length=100, blank=True, verbose_name=_("attachment type"))
    # Makes "send once" jobs (reminders) safe to run twice.
    dedupe_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, verbose_name=_("deduplication key")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoingemail_status_idx")]

    def __str__(self):
        return f"{self.template} → {self.to_email} ({self.status})"
