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
    path("manage/cities/<slug:slug>/events/new/", manage.event_create, name="manage_event_create"),
    path("manage/cities/<slug:slug>/untranslated/", manage.untranslated, name="manage_untranslated"),
    path("manage/events/<int:pk>/edit/", manage.event_edit, name="manage_event_edit"),
    path("manage/events/<int:pk>/duplicate/", manage.event_duplicate, name="manage_event_duplicate"),
    path("manage/events/<int:pk>/publish/", manage.event_publish, name="manage_event_publish"),
    path("manage/events/<int:pk>/cancel/", manage.event_cancel, name="manage_event_cancel"),
]
