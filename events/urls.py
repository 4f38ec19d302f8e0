from django.urls import path

from events.views import manage, public

app_name = "events"

urlpatterns = [
    path("", public.home, name="home"),
    path("events/", public.event_list, name="event_list"),
    path("events/<int:pk>/", public.event_detail, name="event_detail"),
    path("cities/", public.city_list, name="city_list"),
    path("cities/<slug:slug>/", public.city_detail, name="city_detail"),
    path("manage/", manage.dashboard, name="manage_dashboard"),
]
