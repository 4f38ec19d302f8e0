"""The organizer's event form: the event and its sessions, typed on the city's clock.

``EventEditor`` validates both together and saves them in one transaction through
``events.services.events``. The model forms here validate scratch instances: the
event and its sessions change only through the services, which compare the new
values with the stored ones to decide whom to notify.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models.functions import Lower
from django.forms.models import model_to_dict
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from events.i18n import join_list
from events.models import City, Event, Session
from events.services import events as event_services
from events.services.registrations import RegistrationError
from events.validation import (
    SHORT_NOTE_MAX_LENGTH,
    TRANSLATIONS_JSON_MAX_LENGTH,
    SafeForm,
    SafeModelForm,
    validate_programme_date,
)

# What <input type="datetime-local"> sends and expects; seconds would only clutter the picker.
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_SESSIONS = 60


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL_FORMAT)


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        # Organizers paste "meet.example.org/abc"; a meeting link without TLS is not one to guess.
        kwargs["assume_scheme"] = "https"
    if isinstance(model_field, models.DateTimeField):
        kwargs["widget"] = LocalDateTimeInput
        kwargs["validators"] = [validate_programme_date]
    if isinstance(model_field, models.JSONField):
        # Texts in other languages, as JSON: every language's longest texts fit, nothing beyond.
        kwargs["max_length"] = TRANSLATIONS_JSON_MAX_LENGTH
    return model_field.formfield(**kwargs)


class TrainerEmailsField(forms.Field):
    """Trainers typed as email addresses of existing accounts, one per line or comma-separated."""

    widget = forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"})
    max_length = 5_000

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.max_length)}

    def to_python(self, value) -> list[str]:
        if value and len(value) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Enter at most %(max)d character of email addresses.",
                    "Enter at most %(max)d characters of email addresses.",
                    self.max_length,
                ),
                code="max_length",
                params={"max": self.max_length},
            )
        emails = []
        for part in re.split(r"[\s,;]+", value or ""):
            email = part.strip().lower()
            if email and email not in emails:
                emails.append(email)
        return emails

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        invalid = []
        for email in value:
            try:
                validate_email(email)
            except ValidationError:
                invalid.append(email)
        if invalid:
            raise ValidationError(
                _("Not an email address: %(emails)s."), code="invalid", params={"emails": join_list(invalid)}
            )

    def clean(self, value) -> list[User]:
        emails = super().clean(value)
        if not emails:
            return []
        found = {
            user.email_lower: user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
        }
        unknown = [email for email in emails if email not in found]
        if unknown:
            raise ValidationError(
                _("No account uses %(emails)s. A trainer must sign up on this site before being added."),
                code="unknown",
                params={"emails": join_list(unknown)},
            )
        return [found[email] for email in emails]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(item.email if isinstance(item, User) else str(item) for item in value)
        return value

    def has_changed(self, initial, data) -> bool:
        return self.to_python(self.prepare_value(initial)) != self.to_python(data)


class EventForm(SafeModelForm):
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=0,
        help_text=_("Confirmed seats. Leave empty for no limit."),
        error_messages={
            "invalid": _("Enter the capacity as a whole number, or leave it empty for no limit."),
            "min_value": _("The capacity cannot be below zero."),
        },
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional, e.g. 56.9496. With the longitude it gives a precise map link."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional, e.g. 24.1052."),
    )
    trainers = TrainerEmailsField(
        label=_("Trainers"),
        required=False,
        help_text=_("Email addresses of the trainers' accounts, one per line."),
    )

    class Meta:
        model = Event
        fields = [
            "kind", "area", "title", "summary", "description", "language",
            "venue_name", "venue_address", "latitude", "longitude", "online_url", "online_note",
            "capacity", "requires_approval", "registration_opens_at", "registration_closes_at",
            "eligibility_percent", "learning_outcomes",
        ]
        formfield_callback = _formfield
        widgets = {"description": forms.Textarea(attrs={"rows": 8}), "learning_outcomes": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "eligibility_percent": {
                "min_value": _("Enter a percentage between 1 and 100, or leave it empty."),
                "max_value": _("Enter a percentage between 1 and 100, or leave it empty."),
            },
        }

    def __init__(self, data=None, *, city: City, event: Event | None = None, **kwargs):
        if event is not None:
            initial = model_to_dict(event, fields=self._meta.fields)
            initial["trainers"] = list(event.trainers.all())
        else:
            initial = {"language": city.default_language}
        super().__init__(data, instance=Event(city=city), initial=initial, **kwargs)
        self.source_language = initial.get("language") or city.default_language
        self._add_translation_fields(event)
        self.fields["registration_opens_at"].help_text = _("Optional. Empty: registration is open once published.")
        self.fields["registration_closes_at"].help_text = _("Optional. Empty: registration closes when the event starts.")

    @staticmethod
    def translation_field_name(code: str, field: str) -> str:
        return f"tr_{code}_{field}"

    def _add_translation_fields(self, event: Event | None) -> None:
        """Title, summary and description in every site language; the service validates them again."""
        stored = (event.translations if event is not None else None) or {}
        for code, _name in settings.LANGUAGES:
            info = translation.get_language_info(code)
            attrs = {"lang": code, "dir": "rtl" if info["bidi"] else "ltr"}
            for field in Event.TRANSLATABLE_FIELDS:
                model_field = Event._meta.get_field(field)
                max_length = model_field.max_length or event_services.DESCRIPTION_MAX_LENGTH
                if field == "description":
                    widget = forms.Textarea(attrs={**attrs, "rows": 5})
                else:
                    widget = forms.TextInput(attrs=attrs)
                name = self.translation_field_name(code, field)
                self.fields[name] = forms.CharField(
                    label=model_field.verbose_name.capitalize(), required=False, max_length=max_length, widget=widget
                )
                self.initial[name] = stored.get(code, {}).get(field, "")

    def translation_groups(self) -> list[dict]:
        """One group per language other than the event's own, for a <details> each (open when filled)."""
        groups = []
        for code, _name in settings.LANGUAGES:
            if code == self.source_language:
                continue
            fields = [self[self.translation_field_name(code, field)] for field in Event.TRANSLATABLE_FIELDS]
            filled = any(field.value() for field in fields) or any(field.errors for field in fields)
            groups.append({
                "code": code,
                "name": translation.get_language_info(code)["name_translated"],
                "name_local": translation.get_language_info(code)["name_local"],
                "fields": fields,
                "open": filled,
            })
        return groups

    def _clean_translations(self, data: dict) -> dict[str, dict[str, str]]:
        translations: dict[str, dict[str, str]] = {}
        for code, _name in settings.LANGUAGES:
            texts = {}
            for field in Event.TRANSLATABLE_FIELDS:
                value = (data.pop(self.translation_field_name(code, field), "") or "").strip()
                if value:
                    texts[field] = value
            if texts and code == data.get("language"):
                self.add_error(
                    self.translation_field_name(code, next(iter(texts))),
                    _("This is the language of delivery: write this text in the main fields above."),
                )
            elif texts:
                translations[code] = texts
        return translations

    def _clean_coordinate(self, name: str) -> Decimal | None:
        # A phone's map app gives 7+ decimals; a millionth of a degree (about 10 cm) is all we store.
        value = self.cleaned_data.get(name)
        return None if value is None else value.quantize(Decimal("0.000001"))

    def clean_latitude(self):
        return self._clean_coordinate("latitude")

    def clean_longitude(self):
        return self._clean_coordinate("longitude")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and opens >= closes:
            self.add_error("registration_opens_at", _("Registration must open before it closes."))
        has_lat, has_lon = data.get("latitude") is not None, data.get("longitude") is not None
        if has_lat != has_lon and not ({"latitude", "longitude"} & set(self.errors)):
            self.add_error("latitude" if not has_lat else "longitude", _("Give both latitude and longitude, or neither."))
        data["translations"] = self._clean_translations(data)
        return data


class SessionForm(SafeModelForm):
    """A session; its title can be given in other languages than the event's (``tr_<lang>_title``)."""

    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at", "room"]
        formfield_callback = _formfield

    def __init__(self, *args, source_language: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_language = source_language
        stored = self.instance.translations or {}
        for code, _name in settings.LANGUAGES:
            info = translation.get_language_info(code)
            name = f"tr_{code}_title"
            self.fields[name] = forms.CharField(
                label=info["name_local"],
                required=False,
                max_length=Session._meta.get_field("title").max_length,
                widget=forms.TextInput(attrs={"lang": code, "dir": "rtl" if info["bidi"] else "ltr"}),
            )
            self.initial.setdefault(name, stored.get(code, {}).get("title", ""))

    def title_translation_fields(self) -> list:
        return [self[f"tr_{code}_title"] for code, _name in settings.LANGUAGES if code != self.source_language]

    def has_title_translations(self) -> bool:
        return any(field.value() or field.errors for field in self.title_translation_fields())

    def translations(self) -> dict[str, dict[str, str]]:
        data = getattr(self, "cleaned_data", {})
        return {
            code: {"title": data[f"tr_{code}_title"].strip()}
            for code, _name in settings.LANGUAGES
            if (data.get(f"tr_{code}_title") or "").strip()
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data


class BaseSessionFormSet(forms.BaseInlineFormSet):
    #: Set by the editor: the result must keep at least one session because the event is being published
    #: ("publish") or already is ("published"); None when a draft may have none yet.
    require_sessions: str | None = None

    def kept_forms(self) -> list[forms.Form]:
        """Forms describing a session that will exist after saving."""
        return [
            form for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("starts_at")
        ]

    def clean(self):
        super().clean()
        if self.require_sessions and not self.kept_forms():
            if self.require_sessions == "published":
                message = _("A published event keeps at least one session. To call it off, cancel the event.")
            else:
                message = _("Add at least one session before publishing the event.")
            raise ValidationError(message, code="no_sessions")


SessionFormSet = forms.inlineformset_factory(
    Event,
    Session,
    form=SessionForm,
    formset=BaseSessionFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_SESSIONS,
    absolute_max=MAX_SESSIONS,
    validate_max=True,
)


class EventEditor:
    """The event form and its sessions formset, validated together and saved in one transaction.

    Datetimes are read and shown on ``city``'s clock: callers render the page inside
    ``timezone.override(editor.city.tzinfo)`` (``editor.time_zone()``).
    """

    SESSIONS_PREFIX = "sessions"

    def __init__(self, *, city: City, event: Event | None = None, data=None, add_row: bool = False):
        self.city, self.event = city, event
        self.publish = bool(data is not None and "publish" in data)
        if data is not None and add_row:
            data = self._with_one_more_row(data)
        self.form = EventForm(data, city=city, event=event)
        self.formset = SessionFormSet(
            data,
            instance=event if event is not None else Event(city=city),
            prefix=self.SESSIONS_PREFIX,
            form_kwargs={"source_language": self.form.source_language},
        )
        if event is None and data is None:
            self.formset.extra = 3
        if event is not None and event.is_published:
            self.formset.require_sessions = "published"
        elif self.publish:
            self.formset.require_sessions = "publish"

    def _with_one_more_row(self, data):
        data = data.copy()
        key = f"{self.SESSIONS_PREFIX}-TOTAL_FORMS"
        try:
            total = int(data.get(key, ""))
        except ValueError:
            return data
        data[key] = str(min(total + 1, MAX_SESSIONS))
        return data

    def time_zone(self):
        return timezone.override(self.city.tzinfo)

    def is_valid(self) -> bool:
        with self.time_zone():
            form_ok = self.form.is_valid()
            sessions_ok = self.formset.is_valid()
            if form_ok and sessions_ok:
                self._check_registration_closes()
                self._check_session_translations()
        return not self.form.errors and not self.formset.total_error_count()

    def _check_session_translations(self) -> None:
        language = self.form.cleaned_data.get("language")
        for form in self.formset.kept_forms():
            if (form.cleaned_data.get(f"tr_{language}_title") or "").strip():
                form.add_error(
                    f"tr_{language}_title",
                    _("This is the language of delivery: write this text in the main fields above."),
                )

    def _check_registration_closes(self) -> None:
        closes = self.form.cleaned_data.get("registration_closes_at")
        starts = [form.cleaned_data["starts_at"] for form in self.formset.kept_forms()]
        if closes and starts and closes > min(starts):
            first = timezone.localtime(min(starts))
            self.form.add_error(
                "registration_closes_at",
                ValidationError(
                    _("Registration must close before the first session starts (%(start)s)."),
                    code="after_start",
                    params={"start": formats.date_format(first, "DATETIME_FORMAT")},
                ),
            )

    def save(self, *, actor: User) -> Event | None:
        """Save everything or nothing. On a refused change the errors land on the forms and None is returned."""
        fields = dict(self.form.cleaned_data)
        trainers = fields.pop("trainers")
        try:
            with self.time_zone(), transaction.atomic():
                if self.event is None:
                    event = event_services.event_create(city=self.city, created_by=actor, trainers=trainers, **fields)
                else:
                    event = event_services.event_update(event=self.event, trainers=trainers, **fields)
                self._save_sessions(event)
                if self.publish:
                    event_services.event_publish(event=event)
        except RegistrationError as error:
            self.form.add_error("capacity", str(error))
        except event_services.EventError as error:
            self.form.add_error(None, str(error))
        except ValidationError as error:
            # A rule the forms check too, broken between validation and saving by someone else's change.
            self.form.add_error(None, error.messages)
        else:
            return event
        if self.event is not None:
            # The transaction rolled back; the page must show what is stored, not what was tried.
            self.event.refresh_from_db()
        return None

    def _save_sessions(self, event: Event) -> None:
        edits = []
        for form in self.formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            original = data.get("id")
            if original is not None and not data.get("DELETE") and not form.has_changed():
                continue
            values = {name: data.get(name) for name in ("starts_at", "ends_at", "title", "room")}
            values["translations"] = form.translations()
            edits.append(
                event_services.SessionEdit(
                    pk=original.pk if original is not None else None, values=values, delete=bool(data.get("DELETE"))
                )
            )
        event_services.event_sessions_save(event=event, edits=edits)


class DuplicateForm(SafeForm):
    weeks = forms.IntegerField(
        label=_("Shift by weeks"),
        min_value=0,
        max_value=104,
        required=False,
        help_text=_("Empty: the first week after the event. 0 keeps the same dates."),
        error_messages={"invalid": _("Enter a whole number of weeks.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class CancelForm(SafeForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=SHORT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to everyone registered, together with the cancellation."),
    )
