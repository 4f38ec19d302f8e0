"""The platform admin's back office.

Who may enter is decided in ``events.permissions`` (a platform admin is a staff user), not by
Django's per-model permission rows, so the admin and the site agree on roles. Reading is free;
every change that has a door goes through it: events and sessions through
``events.services.events`` (so dates, calendar SEQUENCEs and participant notices stay right),
publishing and cancelling as actions calling the same services. Registrations, answers,
and attendance are read-only here: their state changes through their services (outgoing
emails are in ``outbox.admin``).
"""

from __future__ import annotations

import zoneinfo
from contextlib import nullcontext

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import PlatformAdminMixin, ReadOnlyMixin
from events.content import search_terms
from events.models import (
    Answer,
    Attendance,
    City,
    CityMembership,
    Event,
    Question,
    Registration,
    Session,
)
from events.services import events as event_services
from events.templatetags.events_tags import local_datetime
from events.validation import TRANSLATIONS_JSON_MAX_LENGTH, SafeModelForm

# Cities -------------------------------------------------------------------------------------------


class CityMembershipInline(PlatformAdminMixin, admin.TabularInline):
    form = SafeModelForm
    model = CityMembership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(City)
class CityAdmin(PlatformAdminMixin, admin.ModelAdmin):
    form = SafeModelForm
    list_display = ["name", "country", "timezone", "default_language", "organizer_count", "event_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CityMembershipInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "country", "timezone", "default_language")}),
        (_("Strategy"), {"fields": ("narrative",)}),
        (
            _("Certificates"),
            {
                "fields": (
                    "logo", "signature_image", "signatory_name", "signatory_title",
                    "certificate_closing_text", "funding_line",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _organizers=Count("memberships", distinct=True),
                _events=Count("events", distinct=True),
            )
        )

    @admin.display(description=_("organizers"), ordering="_organizers")
    def organizer_count(self, city):
        return city._organizers

    @admin.display(description=_("events"), ordering="_events")
    def event_count(self, city):
        return city._events


@admin.register(CityMembership)
class CityMembershipAdmin(PlatformAdminMixin, admin.ModelAdmin):
    form = SafeModelForm
    list_display = ["user", "city", "role", "created_at"]
    list_filter = ["city", "role"]
    search_fields = ["user__email", "user__full_name", "city__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "city"]


# Events -------------------------------------------------------------------------------------------


def _formfield(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    if isinstance(db_field, models.JSONField):
        kwargs["max_length"] = TRANSLATIONS_JSON_MAX_LENGTH
    return db_field.formfield(**kwargs)


class SessionAdminForm(SafeModelForm):
    class Meta:
        model = Session
        fields = ["title", "translations", "starts_at", "ends_at", "room"]
        formfield_callback = _formfield
        help_texts = {"translations": _('{"en": {"title": "…"}}: the title in other languages.')}

    def clean_translations(self):
        try:
            source_language = self.instance.event.language  # the inline sets the event, saved or not
        except Event.DoesNotExist:
            source_language = ""
        try:
            return event_services.clean_translations(
                self.cleaned_data.get("translations"), model=Session, source_language=source_language
            )
        except event_services.EventError as error:
            raise forms.ValidationError(str(error)) from error


class SessionInline(PlatformAdminMixin, admin.TabularInline):
    model = Session
    form = SessionAdminForm
    extra = 0
    fields = ["title", "translations", "starts_at", "ends_at", "room", "checkin_code"]
    readonly_fields = ["checkin_code"]
    ordering = ["starts_at", "id"]


class EventAdminForm(SafeModelForm):
    class Meta:
        model = Event
        fields = ["city", "trainers", *event_services.EVENT_FIELDS, "translations"]
        formfield_callback = _formfield
        help_texts = {
            "translations": _('{"en": {"title": "…", "summary": "…", "description": "…"}, "uk": {…}}: '
                              "the texts in other languages than the language of delivery."),
        }

    def clean_translations(self):
        try:
            return event_services.clean_translations(
                self.cleaned_data.get("translations"),
                model=Event,
                source_language=self.cleaned_data.get("language") or self.instance.language,
            )
        except event_services.EventError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if self.instance.pk and capacity is not None:
            confirmed = self.instance.registrations.confirmed().count()
            if capacity < confirmed:
                raise forms.ValidationError(
                    ngettext(
                        "The capacity cannot be lower than the %(count)d confirmed registration.",
                        "The capacity cannot be lower than the %(count)d confirmed registrations.",
                        confirmed,
                    ),
                    params={"count": confirmed},
                )
        return capacity


@admin.register(Event)
class EventAdmin(PlatformAdminMixin, admin.ModelAdmin):
    form = EventAdminForm
    list_display = ["localized_title", "city", "kind", "area", "status", "starts", "capacity", "confirmed"]
    list_filter = ["city", "kind", "area", "status", "language"]
    search_fields = ["title", "summary", "venue_name", "city__name"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["trainers"]
    inlines = [SessionInline]
    actions = ["publish_events", "cancel_events"]
    readonly_fields = ["status", "starts_at", "ends_at", "sequence", "cancelled_at", "created_by", "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("city", "kind", "area", "language", "title", "summary", "description", "translations", "trainers")}),
        (_("Digital credentials"), {"fields": ("learning_outcomes", "learning_outcomes_translations")}),
        (_("Place"), {"fields": ("venue_name", "venue_address", "latitude", "longitude", "online_url", "online_note")}),
        (
            _("Registration"),
            {
                "fields": (
                    "capacity", "requires_approval", "registration_opens_at", "registration_closes_at",
                    "eligibility_percent",
                )
            },
        ),
        (
            _("State"),
            {"fields": ("status", "starts_at", "ends_at", "sequence", "cancelled_at", "created_by", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        # Sorted by its confirmed count on request, so the count is in the SQL here.
        return super().get_queryset(request).select_related("city").with_confirmed_count()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The services have no "move to another city": an event belongs to the city that created it.
        return [*self.readonly_fields, "city"] if obj is not None else self.readonly_fields

    @admin.display(description=_("title"), ordering="title")
    def localized_title(self, event):
        # In the admin's language when the organizers wrote it, like everywhere else.
        return event.localized("title").text

    def get_search_results(self, request, queryset, search_term):
        # Titles in every language, ignoring case and accents, as on the public list.
        for term in search_terms(search_term):
            queryset = queryset.filter(
                Q(search_text__contains=term) | Q(venue_name__icontains=term) | Q(city__name__icontains=term)
            )
        return queryset, False

    @admin.display(description=_("starts"), ordering="starts_at")
    def starts(self, event):
        return local_datetime(event.starts_at, event.city)

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, event):
        return event.confirmed_count

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Show and read the event's times on its city's clock, like everywhere else on the site."""
        zone = None
        extra_context = dict(extra_context or {})
        if object_id:
            try:
                pk = Event._meta.pk.to_python(object_id)
            except ValidationError:
                pk = None  # not an id: the admin answers that no such event exists
            zone = Event.objects.filter(pk=pk).values_list("city__timezone", flat=True).first() if pk else None
            if zone:
                extra_context["subtitle"] = gettext("Dates and times are in %(zone)s.") % {"zone": zone}
        else:
            city_id = request.POST.get("city", "") if request.method == "POST" else ""
            if city_id.isdigit():
                zone = City.objects.filter(pk=city_id).values_list("timezone", flat=True).first()
            extra_context["subtitle"] = gettext("Dates and times are in the chosen city's time zone.")
        with timezone.override(zoneinfo.ZoneInfo(zone)) if zone else nullcontext():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in event_services.EVENT_FIELDS if name in form.cleaned_data}
        translations = form.cleaned_data.get("translations") or {}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            saved = event_services.event_update(
                event=Event.objects.get(pk=obj.pk), translations=translations, **changed
            )
        else:
            saved = event_services.event_create(
                city=form.cleaned_data["city"], created_by=request.user, translations=translations, **fields
            )
        # The admin goes on with this object (inlines, m2m, redirect): give it the saved row.
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        edits, changed_data = [], {}
        for session_form in formset.forms:
            pk = session_form.instance.pk
            if session_form in formset.deleted_forms:
                if pk:
                    edits.append(event_services.SessionEdit(pk=pk, delete=True))
                continue
            if not session_form.has_changed():
                continue
            data = session_form.cleaned_data
            values = {
                "starts_at": data["starts_at"],
                "ends_at": data["ends_at"],
                "title": data.get("title", ""),
                "room": data.get("room", ""),
                "translations": data.get("translations") or {},
            }
            edits.append(event_services.SessionEdit(pk=pk, values=values))
            changed_data[pk] = session_form.changed_data
        saved = event_services.event_sessions_save(event=form.instance, edits=edits)
        # What the admin's change message lists.
        formset.new_objects = saved.created
        formset.changed_objects = [(session, changed_data[session.pk]) for session in saved.updated]
        formset.deleted_objects = saved.deleted

    @admin.action(description=_("Publish selected events"))
    def publish_events(self, request, queryset):
        done = 0
        for event in queryset:
            try:
                event_services.event_publish(event=event)
                done += 1
            except event_services.EventError as error:
                self.message_user(request, f"{event}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request, ngettext("%(count)d event published.", "%(count)d events published.", done) % {"count": done}
            )

    @admin.action(description=_("Cancel selected events and tell their participants"))
    def cancel_events(self, request, queryset):
        done = 0
        for event in queryset:
            try:
                event_services.event_cancel(event=event, actor=request.user)
                done += 1
            except event_services.EventError as error:
                self.message_user(request, f"{event}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request, ngettext("%(count)d event cancelled.", "%(count)d events cancelled.", done) % {"count": done}
            )


# Registrations and what hangs off them: read-only --------------------------------------------------


class AnswerInline(ReadOnlyMixin, admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value"]
    readonly_fields = fields


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "event", "city", "status", "source", "waiting_rank", "created_at"]
    list_filter = ["status", "source", "event__city", "event__kind"]
    search_fields = ["user__email", "user__full_name", "event__title", "checkin_code"]
    list_select_related = ["user", "event", "event__city"]
    date_hierarchy = "created_at"
    inlines = [AnswerInline]

    @admin.display(description=_("city"), ordering="event__city__name")
    def city(self, registration):
        return registration.event.city


class QuestionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["label", "event", "kind", "required", "position"]
    list_filter = ["kind", "required", "event__city"]
    search_fields = ["label", "event__title"]
    list_select_related = ["event"]


class AnswerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["registration", "question", "value"]
    list_filter = ["question__kind", "question__event__city"]
    search_fields = ["registration__user__email", "question__label", "question__event__title"]
    list_select_related = ["registration__user", "registration__event", "question"]


class AttendanceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["registration", "session", "present", "method", "marked_at"]
    list_filter = ["present", "method", "session__event__city"]
    search_fields = ["registration__user__email", "registration__user__full_name", "session__event__title"]
    list_select_related = ["registration__user", "registration__event", "session__event"]


admin.site.register(Question, QuestionAdmin)
admin.site.register(Answer, AnswerAdmin)
admin.site.register(Attendance, AttendanceAdmin)
