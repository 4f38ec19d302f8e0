"""Calendar files and feeds, mounted under /calendars/ with the namespace "calendars"."""

from django.urls import path

from events.views import calendar

app_name = "calendars"

urlpatterns = [
    path("events.ics", calendar.events_feed, name="events_feed"),
    path("events/<int:pk>.ics", calendar.event_ics, name="event_ics"),
    path("cities/<slug:slug>.ics", calendar.city_feed, name="city_feed"),
    path("me/<str:token>.ics", calendar.personal_feed, name="personal_feed"),
]
