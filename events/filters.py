"""The event-list filter form, shared by the list page and filtered calendar feeds."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import LANGUAGE_CHOICES, City, Event


class EventFilterForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.all(), to_field_name="slug", required=False, empty_label=_("All cities")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds"))] + Event.Kind.choices, required=False)
    area = forms.ChoiceField(
        label=_("Strategy area"), choices=[("", _("All areas"))] + Event.Area.choices, required=False
    )
    language = forms.ChoiceField(
        label=_("Language of delivery"), choices=[("", _("Any language"))] + LANGUAGE_CHOICES, required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the date range is before its start."))
        return data

    def filter(self, queryset):
        """Apply the valid filters; invalid ones are ignored (the form shows why)."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        if data.get("city"):
            queryset = queryset.filter(city=data["city"])
        for name in ("kind", "area", "language"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            queryset = queryset.filter(ends_at__gte=timezone.make_aware(datetime.combine(data["date_from"], time.min), tz))
        else:
            queryset = queryset.upcoming()
        if data.get("date_to"):
            queryset = queryset.filter(starts_at__lte=timezone.make_aware(datetime.combine(data["date_to"], time.max), tz))
        return queryset
