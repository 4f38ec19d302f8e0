"""Organizer pages: the dashboard, and creating, editing, duplicating, publishing and cancelling events.

Every page asks ``events.permissions``; every change goes through ``events.services.events``.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import permissions
from events.forms import CancelForm, DuplicateForm, EventEditor
from events.models import City, Event, attach_listing_counts
from events.services import events as event_services
from events.validation import EARLIEST_DATE


def _managed_event(request, pk: int) -> Event:
    return permissions.access_event(request.user, pk, need=permissions.can_manage_event)


@login_required
def dashboard(request):
    user = request.user
    if not permissions.is_organizer(user):
        if permissions.is_trainer(user):
            # A trainer organizes nothing, but has sessions to run: show them those.
            return redirect("attendance:my_sessions")
        raise PermissionDenied
    cities = City.objects.all()
    if not permissions.is_platform_admin(user):
        cities = cities.filter(pk__in=permissions.organized_city_ids(user))
    cities = list(cities)
    return render(request, "events/manage/dashboard.html", {"groups": _dashboard_groups(cities, timezone.now())})


# A city's dashboard lists this many events to come and this many past ones; the rest are on the
# programme (its filters reach any date), so the page costs the same after years of events.
DASHBOARD_UPCOMING = 100
DASHBOARD_PAST = 20


def _dashboard_groups(cities: list[City], now) -> list[dict]:
    """Per city: undated drafts first (still needing work), then the next events, then the latest
    past ones; each list read from the listing index with a limit, counted in one query."""
    listing = Event.objects.select_related("city").order_by()
    undated = list(listing.filter(city__in=cities, starts_at__isnull=True).order_by("pk"))
    groups, shown = [], []
    for city in cities:
        coming = list(listing.filter(city=city, ends_at__gte=now).order_by("starts_at", "pk")[: DASHBOARD_UPCOMING + 1])
        past = list(listing.filter(city=city, ends_at__lt=now).order_by("-starts_at", "-pk")[: DASHBOARD_PAST + 1])
        group = {
            "city": city,
            "upcoming": [e for e in undated if e.city_id == city.pk] + coming[:DASHBOARD_UPCOMING],
            "more_upcoming": len(coming) > DASHBOARD_UPCOMING,
            "past": past[:DASHBOARD_PAST],
            "more_past": len(past) > DASHBOARD_PAST,
            "programme_url": f"{reverse('events:event_list')}?{urlencode({'city': city.slug})}",
            "past_programme_url": f"{reverse('events:event_list')}?"
            f"{urlencode({'city': city.slug, 'date_from': EARLIEST_DATE.isoformat()})}",
        }
        shown += group["upcoming"] + group["past"]
        groups.append(group)
    attach_listing_counts(shown)
    return groups


@login_required
def untranslated(request, slug):
    """Which of a city's coming events lack which languages: what the city's translators have to do."""
    city = get_object_or_404(City, slug=slug)
    if not permissions.can_manage_city(request.user, city):
        raise PermissionDenied
    names = {code: translation.get_language_info(code)["name_translated"] for code, _name in settings.LANGUAGES}
    rows, per_language = [], dict.fromkeys(names, 0)
    labels = {field: Event._meta.get_field(field).verbose_name for field in Event.TRANSLATABLE_FIELDS}
    for event in Event.objects.needing_translation(city):
        gaps = event.translation_gaps()
        written = [field for field in Event.TRANSLATABLE_FIELDS if getattr(event, field)]
        missing = []
        for code, fields in gaps:
            per_language[code] += 1
            # A language with some texts done names the ones still missing.
            partial = [str(labels[field]) for field in fields] if fields != written else []
            missing.append((code, names[code], partial))
        if missing:
            rows.append({"event": event, "missing": missing})
    totals = [(code, names[code], count) for code, count in per_language.items() if count]
    return render(
        request, "events/manage/untranslated.html", {"city": city, "rows": rows, "totals": totals}
    )


@login_required
def event_create(request, slug):
    city = get_object_or_404(City, slug=slug)
    if not permissions.can_manage_city(request.user, city):
        raise PermissionDenied
    return _editor_page(request, city=city, event=None)


@login_required
def event_edit(request, pk):
    event = _managed_event(request, pk)
    if event.is_cancelled:
        messages.error(request, _("A cancelled event cannot be changed. Duplicate it to plan it again."))
        return redirect(event)
    return _editor_page(request, city=event.city, event=event)


def _editor_page(request, *, city: City, event: Event | None):
    show_errors = True
    if request.method == "POST":
        # "Add another session" re-displays everything typed so far with one more empty row, saving nothing.
        add_row = "add_session" in request.POST
        editor = EventEditor(city=city, event=event, data=request.POST, add_row=add_row)
        if add_row:
            show_errors = False
        elif editor.is_valid():
            saved = editor.save(actor=request.user)
            if saved is not None:
                if saved.is_published and "publish" in request.POST:
                    messages.success(request, _("The event is saved and published."))
                elif saved.is_published:
                    messages.success(request, _("Your changes are saved. Registered participants are told of new times or places."))
                else:
                    messages.success(request, _("The draft is saved. Only organizers can see it until you publish it."))
                return redirect(saved)
    else:
        editor = EventEditor(city=city, event=event)
    context = {
        "city": city,
        "event": event,
        "form": editor.form,
        "formset": editor.formset,
        "show_errors": show_errors,
    }
    # Datetime inputs are filled and read on the city's clock.
    with editor.time_zone():
        return render(request, "events/manage/event_form.html", context)


@login_required
@require_POST
def event_duplicate(request, pk):
    event = _managed_event(request, pk)
    form = DuplicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["weeks"]))
        return redirect(event)
    weeks = form.cleaned_data["weeks"]
    if weeks is None:  # left empty: the first free week, never the same dates by accident
        weeks = event.next_free_week_shift
    try:
        copy = event_services.event_duplicate(event=event, actor=request.user, shift=timedelta(weeks=weeks))
    except event_services.EventError as error:
        messages.error(request, str(error))
        return redirect(event)
    messages.success(request, _("This is a draft copy of “%(title)s”. Check its dates, then publish it.") % {"title": event.localized("title").text})
    return redirect("events:manage_event_edit", pk=copy.pk)


@login_required
@require_POST
def event_publish(request, pk):
    event = _managed_event(request, pk)
    try:
        event_services.event_publish(event=event)
    except event_services.EventError as error:
        messages.error(request, str(error))
        if event.status == Event.Status.DRAFT:
            return redirect("events:manage_event_edit", pk=event.pk)
        return redirect(event)
    messages.success(request, _("The event is published."))
    return redirect(event)


@login_required
def event_cancel(request, pk):
    event = _managed_event(request, pk)
    if event.is_cancelled:
        messages.info(request, _("This event is already cancelled."))
        return redirect(event)
    if not event.is_published:
        messages.error(request, _("Only a published event can be cancelled. A draft stays hidden until you publish it."))
        return redirect(event)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event_services.event_cancel(event=event, actor=request.user, reason=form.cleaned_data["reason"])
        except event_services.EventError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The event is cancelled. Everyone registered is told by email."))
        return redirect(event)
    registered = event.registrations.active().count()
    return render(request, "events/manage/event_cancel.html", {"event": event, "form": form, "registered": registered})
