from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/calendar-token/", views.regenerate_calendar_token, name="regenerate_calendar_token"),
    path("language/", views.set_language, name="set_language"),
]
