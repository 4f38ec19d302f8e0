"""What the API shows. The public shapes never carry the meeting link, seat counts or personal data."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import i18n
from api import seats as seat_buckets
from api.models import WebhookEventType
from certificates.models import Certificate
from events.models import Attendance, City, Event, Registration, Session

EVENT_TEXT_FIELDS = ("title", "summary", "description")
SESSION_TEXT_FIELDS = ("title",)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _time(value):
    """DRF's own rendering of an aware datetime in UTC, without its per-field machinery."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _float(value):
    return None if value is None else float(value)


class CitySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The city's page.")

    class Meta:
        model = City
        fields = ["slug", "name", "country", "timezone", "default_language", "url"]

    def get_url(self, city) -> str:
        return _absolute(city.get_absolute_url())


class TranslatedMixin:
    """Texts in the requested language, each with the language it is in; ``?lang=all`` adds every translation."""

    @property
    def language(self) -> str:
        return self.context.get("language") or settings.LANGUAGE_CODE

    def texts(self, obj, fields, source_language) -> dict:
        data = {}
        if self.language == i18n.ALL:
            for field in fields:
                data[field] = getattr(obj, field) or ""
            data["text_language"] = source_language
            data["translations"] = i18n.all_translations(obj, fields, source_language)
            return data
        text_language = None
        for field in fields:
            text, lang = i18n.localized(obj, field, self.language, source_language)
            data[field] = text
            if field == "title" or text_language is None:
                text_language = lang
        data["text_language"] = text_language
        return data


class SessionSerializer(TranslatedMixin, serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    text_language = serializers.CharField(read_only=True, help_text="Language of the texts shown.")
    translations = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), required=False,
        help_text="Only with ?lang=all: {language: {field: text}}.",
    )

    class Meta:
        model = Session
        fields = ["id", "title", "text_language", "translations", "starts_at", "ends_at", "room"]

    def to_representation(self, session):
        return {
            "id": session.pk,
            **self.texts(session, SESSION_TEXT_FIELDS, session.event.language if hasattr(session, "event") else ""),
            "starts_at": _time(session.starts_at),
            "ends_at": _time(session.ends_at),
            "room": session.room,
        }


class EventSerializer(TranslatedMixin, serializers.ModelSerializer):
    """An event of the public programme (drafts only for a token allowed to manage them)."""

    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True, help_text="Markdown.")
    text_language = serializers.CharField(read_only=True, help_text="Language of the texts shown.")
    translations = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), required=False,
        help_text="Only with ?lang=all: {language: {field: text}}.",
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    area_label = serializers.CharField(source="get_area_display", read_only=True)
    online = serializers.SerializerMethodField(help_text="Held online; the link goes to participants only.")
    seats = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The event's page.")
    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id", "url", "city", "kind", "kind_label", "area", "area_label", "status", "language",
            "title", "summary", "description", "text_language", "translations",
            "starts_at", "ends_at", "venue_name", "venue_address", "latitude", "longitude",
            "online", "online_note", "requires_approval", "registration_opens_at", "registration_closes_at",
            "seats", "sessions", "cancelled_at", "updated_at",
        ]
        read_only_fields = fields

    def get_online(self, event) -> bool:
        return bool(event.online_url or event.online_note) and not event.venue_address

    @extend_schema_field(serializers.ChoiceField(choices=seat_buckets.BUCKETS))
    def get_seats(self, event) -> str:
        return seat_buckets.seat_bucket(event, self.context.get("now"))

    def get_url(self, event) -> str:
        return _absolute(event.get_absolute_url())

    def to_representation(self, event):
        # By hand, in the order of Meta.fields: DRF's generic field walk costs more than the rest
        # of the request for a page of 50 events. tests/api/test_schema.py checks it against the schema.
        texts = self.texts(event, EVENT_TEXT_FIELDS, event.language)
        session_serializer = SessionSerializer(context=self.context)
        sessions = [session_serializer.to_representation(session) for session in event.sessions.all()]
        data = {
            "id": event.pk,
            "url": self.get_url(event),
            "city": event.city.slug,
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "area": event.area,
            "area_label": str(event.get_area_display()),
            "status": event.status,
            "language": event.language,
            **texts,
            "starts_at": _time(event.starts_at),
            "ends_at": _time(event.ends_at),
            "venue_name": event.venue_name,
            "venue_address": event.venue_address,
            "latitude": _float(event.latitude),
            "longitude": _float(event.longitude),
            "online": self.get_online(event),
            "online_note": event.online_note,
            "requires_approval": event.requires_approval,
            "registration_opens_at": _time(event.registration_opens_at),
            "registration_closes_at": _time(event.registration_closes_at),
            "seats": self.get_seats(event),
            "sessions": sessions,
            "cancelled_at": _time(event.cancelled_at),
            "updated_at": _time(event.updated_at),
        }
        if self.language != i18n.ALL:
            for session in sessions:
                session.pop("translations", None)
        return data


# Token endpoints ----------------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    label = serializers.CharField(source="question.label")
    value = serializers.JSONField()


class RegistrationSerializer(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(read_only=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    waiting_position = serializers.SerializerMethodField()
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id", "event", "name", "email", "status", "source", "waiting_position", "answers",
            "created_at", "updated_at", "cancelled_at", "cancel_reason",
        ]
        read_only_fields = fields

    def get_waiting_position(self, registration) -> int | None:
        return getattr(registration, "waiting_pos", None)


class RegistrationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class AttendanceSerializer(serializers.ModelSerializer):
    registration = serializers.PrimaryKeyRelatedField(read_only=True)
    session = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "registration", "present", "method", "marked_at"]
        read_only_fields = fields


class AttendanceWriteSerializer(serializers.Serializer):
    registration = serializers.IntegerField(min_value=1)
    present = serializers.BooleanField()


class CertificateSerializer(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(read_only=True)
    registration = serializers.PrimaryKeyRelatedField(read_only=True)
    verification_url = serializers.CharField(read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id", "number", "status", "event", "registration", "holder_name", "language", "hours",
            "sessions_attended", "sessions_total", "issued_at", "revoked_at", "revoked_reason", "verification_url",
        ]
        read_only_fields = fields


class AggregateFilterSerializer(serializers.Serializer):
    """The dashboard's filters."""

    city = serializers.SlugField(required=False, help_text="City slug (default: every city the token may see).")
    area = serializers.ChoiceField(choices=Event.Area.choices, required=False)
    kind = serializers.ChoiceField(choices=Event.Kind.choices, required=False)
    start = serializers.DateField(required=False, help_text="Events whose first session starts on or after this day.")
    end = serializers.DateField(required=False, help_text="… and on or before this day.")

    def validate(self, data):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The end of the date range is before its start.")]})
        return data


def _nullable(field_class, **kwargs):
    return field_class(allow_null=True, **kwargs)


class CityFiguresSerializer(serializers.Serializer):
    """One city's figures (or, with ``city`` null, all of them together), as on the dashboard."""

    city = serializers.CharField(allow_null=True, help_text="City slug; null for the total.")
    name = serializers.CharField(allow_null=True)
    events = serializers.IntegerField(help_text="Published events whose first session is in the period.")
    sessions = serializers.IntegerField()
    session_hours = serializers.FloatField()
    training_hours = serializers.FloatField(help_text="Session-hours of trainings.")
    registrations = serializers.DictField(child=serializers.IntegerField(), help_text="By status.")
    confirmed_ended = serializers.IntegerField(help_text="Confirmed registrations of events that have ended.")
    attended = serializers.IntegerField(help_text="Of those, present at one session or more.")
    attendance_rate = _nullable(serializers.FloatField, help_text="Percent.")
    no_shows = serializers.IntegerField()
    no_show_rate = _nullable(serializers.FloatField, help_text="Percent.")
    unique_participants = serializers.IntegerField()
    staff_trained = serializers.IntegerField(help_text="City staff present at governance trainings.")
    certificates_issued = serializers.IntegerField()
    certificates_revoked = serializers.IntegerField()
    invited = serializers.IntegerField(help_text="Invited to the feedback survey.")
    answered = serializers.IntegerField()
    response_rate = _nullable(serializers.FloatField, help_text="Percent.")
    satisfaction = _nullable(serializers.FloatField, help_text="Average, 1–5.")
    useful_percent = _nullable(serializers.FloatField)


class TrendSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (UTC) of the events' first session.")
    events = serializers.IntegerField()
    sessions = serializers.IntegerField()
    attended = serializers.IntegerField(help_text="Presences.")


class ReachCategorySerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language.")


class ReachRowSerializer(serializers.Serializer):
    city = serializers.CharField()
    cells = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text="One per category; null when suppressed."
    )
    answered = serializers.IntegerField(allow_null=True, help_text="Null when suppressed.")
    of = serializers.IntegerField(help_text="People present.")


class ReachTableSerializer(serializers.Serializer):
    item = serializers.CharField()
    categories = ReachCategorySerializer(many=True)
    rows = ReachRowSerializer(many=True)


class AggregatesSerializer(serializers.Serializer):
    threshold = serializers.IntegerField(help_text="Reach counts below it, and those that would give one away, are null.")
    computed_at = serializers.DateTimeField(help_text="The figures are the dashboard's, kept for some minutes.")
    cities = CityFiguresSerializer(many=True)
    total = CityFiguresSerializer()
    trend = TrendSerializer(many=True)
    reach = ReachTableSerializer(many=True, help_text="Demographics of those present, by city; only where two events or more.")


class WebhookPayloadSerializer(serializers.Serializer):
    """The body of every webhook: what happened, to which ids, when. Never personal data."""

    type = serializers.ChoiceField(choices=WebhookEventType.choices)
    timestamp = serializers.DateTimeField()
    data = serializers.DictField(child=serializers.IntegerField(), help_text="Ids: event, registration, certificate.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(help_text="A stable code, e.g. duplicate, full, closed, not_allowed.")
