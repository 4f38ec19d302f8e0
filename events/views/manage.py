from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from events import permissions
from events.models import City, Event


@login_required
def dashboard(request):
    if not permissions.is_organizer(request.user):
        raise PermissionDenied
    cities = City.objects.all() if request.user.is_staff else City.objects.filter(memberships__user=request.user)
    events = Event.objects.for_city_admin(request.user).for_listing().order_by("-starts_at")
    return render(request, "events/manage/dashboard.html", {"cities": cities, "events": events})
