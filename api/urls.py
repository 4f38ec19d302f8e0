from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up code as a file: no inline script for the coming CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("cities/", views.CityList.as_view(), name="city_list"),
    path("cities/<slug:slug>/", views.CityDetail.as_view(), name="city_detail"),
    path("events/", views.EventList.as_view(), name="event_list"),
    path("events/<int:pk>/", views.EventDetail.as_view(), name="event_detail"),
    path("events/<int:pk>/publish/", views.EventPublish.as_view(), name="event_publish"),
    path("events/<int:pk>/cancel/", views.EventCancel.as_view(), name="event_cancel"),
    path("events/<int:pk>/registrations/", views.EventRegistrations.as_view(), name="event_registrations"),
    path(
        "events/<int:pk>/registrations/export/", views.EventRegistrationsExport.as_view(),
        name="event_registrations_export",
    ),
    path("events/<int:pk>/certificates/", views.EventCertificates.as_view(), name="event_certificates"),
    path("registrations/<int:pk>/", views.RegistrationDetail.as_view(), name="registration_detail"),
    path("registrations/<int:pk>/cancel/", views.RegistrationCancel.as_view(), name="registration_cancel"),
    path("sessions/<int:pk>/attendance/", views.SessionAttendance.as_view(), name="session_attendance"),
    path("certificates/<int:pk>/revoke/", views.CertificateRevoke.as_view(), name="certificate_revoke"),
    path("aggregates/", views.Aggregates.as_view(), name="aggregates"),
]
