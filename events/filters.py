"""The event-list filter form, shared by the list page and filtered calendar feeds."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.content import search_terms
from events.models import LANGUAGE_CHOICES, City, Event
from events.validation import SafeForm, validate_programme_date


class LanguageSelect(forms.Select):
    """The ~100 languages of delivery, rendered once per reader's language and choice: drawing
    them option by option through the widget templates on every list view cost more than the list."""

    _rendered: dict[tuple, str] = {}
    MAX_CACHED = 2000

    def render(self, name, value, attrs=None, renderer=None):
        key = (name, str(value), tuple(sorted((attrs or {}).items())), get_language())
        html = self._rendered.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(self._rendered) >= self.MAX_CACHED:
                self._rendered.clear()
            self._rendered[key] = html
        return html


class EventFilterForm(SafeForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        strip=True,
        help_text=_("Words from the title, summary or description, in any language."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.all(), to_field_name="slug", required=False, empty_label=_("All cities")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds"))] + Event.Kind.choices, required=False)
    area = forms.ChoiceField(
        label=_("Strategy area"), choices=[("", _("All areas"))] + Event.Area.choices, required=False
    )
    language = forms.ChoiceField(
        label=_("Language of delivery"), choices=[("", _("Any language"))] + LANGUAGE_CHOICES, required=False,
        widget=LanguageSelect,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, validators=[validate_programme_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"), required=False, validators=[validate_programme_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the date range is before its start."))
        return data

    def filter(self, queryset):
        """Apply the valid filters; invalid ones are ignored (the form shows why). Past events only on request."""
        if self.is_valid():
            data = self.cleaned_data
        else:
            # An unbound form has no cleaned_data: it filters nothing but the past.
            cleaned = getattr(self, "cleaned_data", {})
            data = {name: value for name, value in cleaned.items() if name not in self.errors}
        # Every word somewhere in the event's texts, in any of their languages, ignoring case and accents.
        for term in search_terms(data.get("q") or ""):
            queryset = queryset.filter(search_text__contains=term)
        if data.get("city"):
            queryset = queryset.filter(city=data["city"])
        for name in ("kind", "area", "language"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        # A day is the chosen city's day; across cities, UTC's (all EPI cities are within three hours of it).
        tz = data["city"].tzinfo if data.get("city") else timezone.get_current_timezone()
        if data.get("date_from"):
            start = timezone.make_aware(datetime.combine(data["date_from"], time.min), tz)
            queryset = queryset.filter(ends_at__gte=start)
        else:
            queryset = queryset.upcoming()
        if data.get("date_to"):
            end = timezone.make_aware(datetime.combine(data["date_to"] + timedelta(days=1), time.min), tz)
            queryset = queryset.filter(starts_at__lt=end)
        return queryset
