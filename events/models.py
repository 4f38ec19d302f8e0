import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.content import LocalizedText, field_translations, pick_text
from events.markup import render_markdown
from events.validation import (
    MARKDOWN_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    SHORT_NOTE_MAX_LENGTH,
    validate_programme_date,
)

# Languages an event can be delivered in, or a city speaks: every language Django
# knows, with names translated into the reader's language.
# Django marks these names with gettext_noop; wrapping them lazily lets its own catalogues
# translate them when a page is rendered.
LANGUAGE_CHOICES = [(code, _(name)) for code, name in sorted(ALL_LANGUAGES, key=lambda item: item[0])]

_language_names: dict[str, dict[str, str]] = {}


def language_name(code: str) -> str:
    """The name of a language in the reader's language. Cached per reader's language: Django's
    ``get_<field>_display`` rebuilds a dict of these ~100 lazy names on every call, which cost a
    list of events more than the rest of its cards."""
    reading = translation.get_language() or ""
    names = _language_names.get(reading)
    if names is None:
        names = _language_names[reading] = {choice: str(name) for choice, name in LANGUAGE_CHOICES}
    return names.get(code, code)


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
        _("narrative"), blank=True, max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH)],
        help_text=_("The city's integration strategy in a few paragraphs (Markdown)."),
    )
    # ``narrative`` rendered and sanitised by ``save()`` (events.markup), so a page view never parses Markdown.
    narrative_html = models.TextField(blank=True, editable=False)
    logo = models.ImageField(_("logo"), upload_to="cities/logos/", blank=True)
    signature_image = models.ImageField(_("signature image"), upload_to="cities/signatures/", blank=True)
    signatory_name = models.CharField(_("signatory name"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=200, blank=True)
    certificate_closing_text = models.TextField(
        _("certificate closing text"), blank=True, max_length=SHORT_NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(SHORT_NOTE_MAX_LENGTH)],
    )
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

    def save(self, *args, **kwargs):
        # Cities have no service of their own (the admin and seed_demo write them): the rendered
        # narrative is kept here, so the city page never parses Markdown.
        self.narrative_html = render_markdown(self.narrative)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "narrative" in update_fields:
            kwargs["update_fields"] = {*update_fields, "narrative_html"}
        super().save(*args, **kwargs)

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


class AfterFetchQuerySet(models.QuerySet):
    """A QuerySet that can add figures to the rows it fetched, in one more query over those rows only.

    A figure annotated in SQL (a correlated subquery or a join with ``Count``) is computed for every
    row the database visits: for an ``OFFSET`` page, for all rows before it; for a ``Count`` join,
    for every row matching the filters before the ``LIMIT``. Counting after the fetch costs one query
    on the page's primary keys, however many rows the filters match. The paginator's ``count()``
    and ``exists()`` never fetch, so they stay plain queries on the filtered rows.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._after_fetch = ()

    def _clone(self):
        clone = super()._clone()
        clone._after_fetch = self._after_fetch
        return clone

    def after_fetch(self, step):
        """``step(rows)`` runs once on the fetched model instances (never on ``values()`` rows)."""
        clone = self._chain()
        if step not in clone._after_fetch:
            clone._after_fetch = (*clone._after_fetch, step)
        return clone

    def _fetch_all(self):
        fetched_now = self._result_cache is None
        super()._fetch_all()
        if fetched_now and self._after_fetch and self._result_cache and isinstance(self._result_cache[0], self.model):
            for step in self._after_fetch:
                step(self._result_cache)


def _confirmed_count():
    """An event's confirmed registrations, as an expression on the event's query (``OuterRef("pk")``)."""
    confirmed = (
        Registration.objects.filter(event=OuterRef("pk"), status=Registration.Status.CONFIRMED)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(confirmed, output_field=IntegerField()), 0)


def attach_listing_counts(events: list) -> None:
    """``confirmed_count`` and ``session_count`` of each event, in one query over their ids."""
    by_pk = {event.pk: event for event in events}
    if not by_pk:
        return
    sessions = Session.objects.filter(event=OuterRef("pk")).order_by().values("event").annotate(n=Count("pk")).values("n")
    rows = (
        Event.objects.filter(pk__in=by_pk)
        .order_by()
        .annotate(
            c=_confirmed_count(),
            s=Coalesce(Subquery(sessions, output_field=IntegerField()), 0),
        )
        .values_list("pk", "c", "s")
    )
    for pk, confirmed_count, session_count in rows:
        by_pk[pk].confirmed_count = confirmed_count
        by_pk[pk].session_count = session_count


class EventQuerySet(AfterFetchQuerySet):
    def lock(self, pk: int) -> "Event":
        """The event row, locked (``select_for_update``) until the transaction ends: the one lock
        that serialises every seat, question, publication and certificate-batch decision of an event.

        Only the event row is locked (``of=self``); its city comes along unlocked for permission
        checks, or every event of a city would queue behind each other.
        """
        return self.select_for_update(of=("self",)).select_related("city").get(pk=pk)

    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def visible(self):
        """What the public programme shows: published and cancelled (marked as such)."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(ends_at__gte=now)

    def in_feed_window(self, since, until):
        """Events with a session between ``since`` and ``until``, by their span (first start, last end):
        what a public feed's fingerprint counts, through ``event_feed_window_idx`` alone."""
        return self.filter(ends_at__gte=since, starts_at__lt=until)

    def in_public_feed(self, now, *, cancelled_kept=timedelta(days=30)):
        """What public calendar feeds carry: published events, and cancelled ones while the
        cancellation is recent (``cancelled_kept``), so subscribed clients remove them. Never drafts."""
        return self.annotate(cancelled_when=Coalesce("cancelled_at", "updated_at")).filter(
            Q(status=Event.Status.PUBLISHED)
            | Q(status=Event.Status.CANCELLED, cancelled_when__gte=now - cancelled_kept)
        )

    def with_confirmed_count(self):
        """``confirmed_count`` as an SQL annotation, for a list sorted by it (the admin's); a page
        that only shows the figure uses ``for_listing``, which counts the fetched rows alone."""
        return self.annotate(confirmed_count=_confirmed_count())

    def for_listing(self):
        """Events as lists and the event page show them: with their city, ``confirmed_count`` and
        ``session_count``, counted for the fetched rows only (``AfterFetchQuerySet``)."""
        return self.select_related("city").after_fetch(attach_listing_counts)

    def needing_translation(self, city, now=None):
        """A city's events still to come (drafts included, cancelled ones not), soonest first; undated drafts last."""
        now = now or timezone.now()
        return (
            self.filter(city=city)
            .exclude(status=Event.Status.CANCELLED)
            .filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True))
            .only("pk", "title", "summary", "description", "language", "translations", "status", "starts_at", "city_id")
            .order_by(F("starts_at").asc(nulls_last=True), "pk")
        )


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
    description = models.TextField(
        _("description"), blank=True, max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH)], help_text=_("Markdown is allowed."),
    )
    # ``description`` rendered and sanitised by the event services when saved (events.markup), and
    # each translated description likewise ({lang: html}), so no page view parses Markdown.
    description_html = models.TextField(blank=True, editable=False)
    description_html_translations = models.JSONField(default=dict, blank=True, editable=False)
    language = models.CharField(_("language of delivery"), max_length=10, choices=LANGUAGE_CHOICES)
    # {"en": {"title": "...", "summary": "...", "description": "..."}, "uk": {...}}: the texts in other
    # languages; the columns above hold them in `language`. Written by the event services only.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    # The texts of every language, normalised by events.content.normalise_search (kept by the services).
    search_text = models.TextField(default="", blank=True, editable=False)
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
    registration_opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True, validators=[validate_programme_date]
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"), null=True, blank=True, validators=[validate_programme_date]
    )
    eligibility_percent = models.PositiveSmallIntegerField(
        _("attendance needed for a certificate (%)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        # xgettext:no-python-format
        help_text=_("Empty: 100 % for one-session events, 75 % for events with several sessions."),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="trained_events", blank=True, verbose_name=_("trainers")
    )
    learning_outcomes = models.TextField(
        _("learning outcomes"), blank=True, max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        help_text=_("One per line, in the language of delivery. They are written into the participants' digital credentials."),
    )
    # {"sv": "...", "de": "..."}: the outcomes in other languages, for holders who read them.
    learning_outcomes_translations = models.JSONField(
        _("translations of the learning outcomes"), default=dict, blank=True
    )
    # Derived from the sessions by the session services, so lists can sort and filter cheaply.
    # Indexed as the first column of the listing indexes (Meta), not alone: a lone index on it
    # tempted the planner to read ended events from the table instead of skipping them in the index.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True, db_index=True, editable=False)
    # iCalendar SEQUENCE of the event as a whole; bumped when time, place or status changes.
    sequence = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("calendar sequence"))
    cancelled_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=pgettext_lazy("date an event was cancelled", "cancelled on")
    )
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
        # Lists are ordered by start and skip past events by their end: with both (and the status)
        # in the key, an index scan walks the starts in order and drops ended events inside the
        # index, without reading their rows (bench/scale.py prints the plans). Counts and feeds
        # select by status and end.
        indexes = [
            models.Index(fields=["starts_at", "ends_at", "status"], name="event_listing_idx"),
            models.Index(fields=["city", "starts_at", "ends_at", "status"], name="event_city_listing_idx"),
            models.Index(fields=["status", "ends_at"], name="event_status_end_idx"),
            # The filtered list's count (city and area chosen): an index-only scan of its own rows.
            models.Index(fields=["city", "area", "status", "ends_at"], name="event_city_area_end_idx"),
            # A public feed's fingerprint reads only this index (PostgreSQL: an index-only scan).
            models.Index(
                fields=["city", "ends_at"],
                include=["id", "starts_at", "status", "cancelled_at", "updated_at", "sequence"],
                name="event_feed_window_idx",
            ),
        ]
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

    def get_language_display(self) -> str:
        return language_name(self.language)

    def learning_outcomes_in(self, language: str) -> str:
        return (self.learning_outcomes_translations or {}).get(language) or self.learning_outcomes

    def get_absolute_url(self):
        return reverse("events:event_detail", kwargs={"pk": self.pk})

    TRANSLATABLE_FIELDS = ("title", "summary", "description")

    def localized(self, field: str, language: str | None = None) -> LocalizedText:
        """``field`` for a reader of ``language`` (default: the active one), and the language it is in."""
        if field not in self.TRANSLATABLE_FIELDS:
            raise ValueError(f"{field!r} is not translatable")
        return pick_text(
            source_text=getattr(self, field),
            source_language=self.language,
            translations=field_translations(self.translations, field),
            language=language,
        )

    def description_html_in(self, language: str) -> str:
        """The stored, sanitised HTML of the description in ``language`` (as picked by ``localized``)."""
        if not language or language == self.language:
            return self.description_html
        return self.description_html_translations.get(language, "")

    def render_descriptions(self) -> None:
        """Fill ``description_html`` and its translations from the Markdown (the event services call it)."""
        self.description_html = render_markdown(self.description)
        self.description_html_translations = {
            lang: render_markdown(texts["description"])
            for lang, texts in (self.translations or {}).items()
            if texts.get("description")
        }

    def translation_gaps(self) -> list[tuple[str, list[str]]]:
        """``(language, fields still to translate)`` for each site language, other than the event's own,
        lacking a translation of a text the event has."""
        written = [field for field in self.TRANSLATABLE_FIELDS if getattr(self, field)]
        translations = self.translations or {}
        gaps = []
        for code, _name in settings.LANGUAGES:
            if code == self.language:
                continue
            missing = [field for field in written if not translations.get(code, {}).get(field)]
            if missing:
                gaps.append((code, missing))
        return gaps

    def missing_languages(self) -> list[str]:
        return [code for code, _fields in self.translation_gaps()]

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

    def seats_left(self, confirmed: int) -> int | None:
        """Free seats given the number of ``confirmed`` registrations; None when there is no seat limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - confirmed, 0)

    @property
    def map_url(self) -> str:
        """A link to OpenStreetMap; followed by the visitor, never loaded by the page."""
        from urllib.parse import quote

        if self.latitude is not None and self.longitude is not None:
            return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"
        if self.venue_address:
            return "https://www.openstreetmap.org/search?query=" + quote(f"{self.venue_address}, {self.city.name}")
        return ""


class SessionQuerySet(models.QuerySet):
    def in_public_feed(self, *, events, since, until):
        """The sessions a public calendar feed carries: those of ``events`` (an
        ``Event.objects.in_public_feed`` selection, maybe filtered) that end after ``since``
        and start before ``until``. The same bounds on the events' spans let the database
        reach the few events concerned through an index instead of every event of a city.
        """
        return self.filter(
            event__in=events.in_feed_window(since, until).values("pk"), ends_at__gte=since, starts_at__lt=until
        )

    def newest_changes_first(self):
        """Most recently changed first (session or event, as DTSTAMP says): what a trimmed feed keeps."""
        return self.order_by(
            models.functions.Greatest("updated_at", "event__updated_at").desc(), "-starts_at", "-pk"
        )

    def with_present_count(self):
        """``present_count``: confirmed participants marked present at each session, in the same query."""
        return self.annotate(
            present_count=Count(
                "attendances",
                filter=Q(attendances__present=True, attendances__registration__status=Registration.Status.CONFIRMED),
            )
        )


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("Optional, e.g. Module 2: bias."))
    starts_at = models.DateTimeField(_("start"), validators=[validate_programme_date])
    ends_at = models.DateTimeField(_("end"), validators=[validate_programme_date])
    room = models.CharField(_("room"), max_length=200, blank=True)
    # {"en": {"title": "..."}}: the session's title in other languages than its event's.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    # iCalendar SEQUENCE; bumped when this session's time or room changes.
    sequence = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("calendar sequence"))
    # Shown on the room's screen so participants can check themselves in.
    checkin_code = models.CharField(
        max_length=16, unique=True, default=new_short_code, editable=False, verbose_name=_("check-in code")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="session_starts_before_ends"),
        ]

    def __str__(self):
        return self.title or f"{self.event.title} #{self.pk}"

    TRANSLATABLE_FIELDS = ("title",)

    def localized(self, field: str, language: str | None = None) -> LocalizedText:
        if field not in self.TRANSLATABLE_FIELDS:
            raise ValueError(f"{field!r} is not translatable")
        # The title is in the event's language; without the event at hand (no query per session) the
        # title still comes right after the reader's own languages, in a language left unnamed ("").
        event_loaded = Session._meta.get_field("event").is_cached(self)
        return pick_text(
            source_text=getattr(self, field),
            source_language=self.event.language if event_loaded else "",
            translations=field_translations(self.translations, field),
            language=language,
        )

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


def _attach_waiting_positions(registrations: list) -> None:
    """``waiting_pos`` of each fetched registration: 1 for the first in line, None for anyone not
    waiting; counted for the fetched waiting rows only, in one query (none when nobody waits)."""
    waiting = {}
    for registration in registrations:
        registration.waiting_pos = None
        if registration.status == Registration.Status.WAITING and registration.waiting_rank is not None:
            waiting[registration.pk] = registration
    if not waiting:
        return
    ahead = (
        Registration.objects.waiting()
        .filter(event=OuterRef("event"), waiting_rank__lt=OuterRef("waiting_rank"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Registration.objects.filter(pk__in=waiting)
        .order_by()
        .annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0))
        .values_list("pk", "ahead")
    )
    for pk, count in rows:
        waiting[pk].waiting_pos = count + 1


class RegistrationQuerySet(AfterFetchQuerySet):
    def active(self):
        """Pending, confirmed or waiting: the registrations that hold or ask for a place."""
        return self.filter(status__in=Registration.ACTIVE_STATUSES)

    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self):
        return self.filter(status=Registration.Status.WAITING)

    def ahead_of(self, registration):
        """The people waiting before ``registration`` on its event's waiting list."""
        return self.waiting().filter(event_id=registration.event_id, waiting_rank__lt=registration.waiting_rank)

    def with_waiting_position(self):
        """``waiting_pos`` on each fetched registration (the same count as ``Registration.waiting_position``),
        computed after the fetch for those rows alone, so a page of a long list does not count the
        waiting list of every row before it."""
        return self.after_fetch(_attach_waiting_positions)

    def of_participant(self, user):
        """``user``'s own registrations as "My registrations" shows them: with the event and its city,
        without the texts and dates no card shows."""
        return (
            self.filter(user=user)
            .select_related("event__city")
            .only(
                "status", "waiting_rank", "decision_message", "checkin_code", "event__title", "event__language",
                "event__translations", "event__status", "event__starts_at", "event__ends_at", "event__venue_name",
                "event__venue_address", "event__online_url", "event__online_note", "event__city__name",
                "event__city__timezone",
            )
        )

    def to_come(self, now):
        """Registrations for events not over yet (or without dates), soonest first, waiting ones with
        their position."""
        return (
            self.filter(Q(event__ends_at__gt=now) | Q(event__ends_at__isnull=True))
            .with_waiting_position()
            .order_by(F("event__starts_at").asc(nulls_last=True), "-pk")
        )

    def ended(self, now):
        """Registrations for events that are over, the latest first."""
        return self.filter(event__ends_at__lte=now).order_by(F("event__starts_at").desc(), "-pk")


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
    # Empty once anonymised (retention or account deletion): the row stays as a count.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations",
        verbose_name=_("participant"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.ONLINE)
    # Assigned under the event lock, so the waiting list is in commit order.
    waiting_rank = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("waiting-list rank")
    )
    consent_text_version = models.CharField(max_length=40, blank=True, verbose_name=_("consent text version"))
    consent_given_at = models.DateTimeField(null=True, blank=True, verbose_name=_("consent given on"))
    decision_message = models.TextField(
        _("message"), blank=True, max_length=MESSAGE_MAX_LENGTH, validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided on"))
    cancelled_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("date a registration was cancelled", "cancelled on")
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cancelled by")
    )
    cancel_reason = models.TextField(
        _("reason"), blank=True, max_length=MESSAGE_MAX_LENGTH, validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)]
    )
    # Personal check-in code printed as a QR code; unique across all events.
    checkin_code = models.CharField(
        max_length=16, unique=True, default=new_short_code, editable=False, verbose_name=_("check-in code")
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("reminder sent on"))
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("anonymised on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = RegistrationQuerySet.as_manager()

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
        # Counting an event's registrations by status and its waiting list in rank order; the
        # organizer's list in registration order, so a deep page skips rows in the index, unsorted.
        indexes = [
            models.Index(fields=["event", "status", "waiting_rank"], name="registration_event_status_idx"),
            models.Index(fields=["event", "created_at", "id"], name="registration_event_created_idx"),
        ]

    def __str__(self):
        return f"{self.user} → {self.event} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def waiting_position(self) -> int | None:
        """1 for the first person on the waiting list; None when not waiting (one query)."""
        if self.status != self.Status.WAITING or self.waiting_rank is None:
            return None
        return Registration.objects.ahead_of(self).count() + 1


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
    # Health, access needs, religion…: answers are erased a month after the event (retention policy).
    sensitive = models.BooleanField(
        _("sensitive"), default=False,
        help_text=_("Answers reveal health, access needs or beliefs; they are erased sooner."),
    )
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
        return self.localized_label(language).text

    def localized_label(self, language: str | None = None) -> LocalizedText:
        """The label through the same chain as event texts; ``label`` is in the event's language."""
        event_loaded = Question._meta.get_field("event").is_cached(self)
        return pick_text(
            source_text=self.label,
            # Without the event at hand the label still comes right after the reader's own languages.
            source_language=self.event.language if event_loaded else "",
            translations=self.label_translations or {},
            language=language,
        )


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
