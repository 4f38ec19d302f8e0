from django.urls import path

from events.views import registration

app_name = "registrations"

urlpatterns = [
    path("events/<int:pk>/register/", registration.register, name="register"),
    path("registrations/<int:pk>/cancel/", registration.cancel, name="cancel"),
    path("me/registrations/", registration.my_registrations, name="my_registrations"),
    path("me/registrations/<int:pk>/code/", registration.checkin_code, name="checkin_code"),
    path("me/registrations/<int:pk>/code.svg", registration.checkin_qr, name="checkin_qr"),
]
