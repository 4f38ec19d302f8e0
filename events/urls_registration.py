from django.urls import path

from events.views import registration

app_name = "registrations"

urlpatterns = [
    path("events/<int:pk>/register/", registration.register, name="register"),
    path("registrations/<int:pk>/cancel/", registration.cancel, name="cancel"),
    path("me/registrations/", registration.my_registrations, name="my_registrations"),
]
