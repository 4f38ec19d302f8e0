"""The public programme: home, cities, the filterable event list and the event page.

Each page costs a fixed number of queries whatever the number of events, sessions or trainers.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from events import permissions
from events.filters import EventFilterForm
from events.models import City, Event, Registration

PAGE_SIZE = 20
HOME_EVENTS = 12


def home(request):
    upcoming = Event.objects.visible().upcoming().for_listing().order_by("starts_at", "id")[:HOME_EVENTS]
    return render(request, "events/home.html", {"events": upcoming, "cities": City.objects.all()})


def city_list(request):
    return render(request, "events/city_list.html", {"cities": City.objects.all()})


def city_detail(request, slug):
    city = get_object_or_404(City, slug=slug)
    events = Event.objects.visible().upcoming().filter(city=city).for_listing().order_by("starts_at", "id")
    return render(request, "events/city_detail.html", {"city": city, "events": events})


def event_list(request):
    form = EventFilterForm(request.GET)
    events = form.filter(Event.objects.visible().for_listing()).order_by("starts_at", "id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/event_list.html", {"form": form, "page": page, "events": page.object_list})


def event_detail(request, pk):
    event = get_object_or_404(
        Event.objects.for_listing().prefetch_related("sessions", "trainers"), pk=pk
    )
    if not permissions.can_view_event(request.user, event):
        raise Http404
    seats_left = event.seats_left(event.confirmed_count)
    # The reader's latest registration (a cancelled one does not count), for the registration box.
    my_registration = None
    if request.user.is_authenticated:
        my_registration = (
            Registration.objects.filter(event=event, user=request.user)
            .exclude(status=Registration.Status.CANCELLED)
            .with_waiting_position()
            .order_by("-pk")
            .first()
        )
    context = {
        "my_registration": my_registration,
        "event": event,
        "city": event.city,
        "sessions": event.sessions.all(),
        "trainers": event.trainers.all(),
        "seats_left": seats_left,
        "can_manage": permissions.can_manage_event(request.user, event),
        "is_trainer": permissions.is_trainer_of(request.user, event),
        "now": timezone.now(),
    }
    return render(request, "events/event_detail.html", context)
