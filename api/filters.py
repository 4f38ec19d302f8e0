"""Query filters. The event filters are the list page's own (``events.filters.EventFilterForm``),
so the API finds exactly what the page finds — text search included; django-filter only declares
them for validation and the schema, and adds ``modified_since``."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q
from rest_framework.exceptions import ValidationError

from events.filters import EventFilterForm
from events.models import LANGUAGE_CHOICES, Event, Registration, Session


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="_by_form", help_text="Words from the texts, in any language.")
    city = django_filters.CharFilter(method="_by_form", help_text="City slug.")
    kind = django_filters.ChoiceFilter(choices=Event.Kind.choices, method="_by_form")
    area = django_filters.ChoiceFilter(choices=Event.Area.choices, method="_by_form")
    language = django_filters.ChoiceFilter(choices=LANGUAGE_CHOICES, method="_by_form", help_text="Language of delivery.")
    date_from = django_filters.DateFilter(method="_by_form", help_text="Events ending on or after this day (default: today).")
    date_to = django_filters.DateFilter(method="_by_form", help_text="Events starting on or before this day.")
    modified_since = django_filters.IsoDateTimeFilter(
        method="_modified_since", help_text="Events whose data or sessions changed at or after this time (ISO 8601)."
    )

    class Meta:
        model = Event
        fields = []

    def _by_form(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def _modified_since(self, queryset, name, value):
        return queryset  # applied in filter_queryset

    def filter_queryset(self, queryset):
        return filter_events(self.data, queryset)


_MODIFIED_SINCE = django_filters.IsoDateTimeFilter().field_class()


def filter_events(params, queryset):
    """The list page's filters (``EventFilterForm``), then ``modified_since``; a 400 for invalid input.

    The event list calls this directly: a FilterSet would build a second form with the same
    choices for every request, which is most of what a 304 costs.
    """
    form = EventFilterForm(params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    queryset = form.filter(queryset)
    raw = params.get("modified_since")
    if raw:
        try:
            since = _MODIFIED_SINCE.clean(raw)
        except DjangoValidationError as exc:
            raise ValidationError({"modified_since": exc.messages})
        changed_session = Session.objects.filter(event=OuterRef("pk"), updated_at__gte=since)
        queryset = queryset.filter(Q(updated_at__gte=since) | Exists(changed_session))
    return queryset


class RegistrationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Registration.Status.choices)
    modified_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Registration
        fields = ["status", "modified_since"]
