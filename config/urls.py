from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from accounts.views_i18n import javascript_catalog
from events.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("certificates/", include("certificates.urls")),
    path("attendance/", include("events.urls_attendance")),
    path("calendars/", include("events.urls_calendar")),
    path("surveys/", include("surveys.urls")),
    path("evidence/", include("evidence.urls")),
    path("manage/", include("events.urls_registration_admin", namespace="registration_admin")),
    path("", include("events.urls")),
    path("", include("events.urls_registration")),
    path("healthz", healthz, name="healthz"),
    path("jsi18n/<str:lang>.js", javascript_catalog, name="javascript_catalog"),
    # Uploaded city logos are public; everything else under MEDIA_ROOT is served by views that check access.
    re_path(r"^media/(?P<path>cities/logos/.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

# A database connection lost mid-request answers 503 "please try again" (config/errors.py).
handler500 = "config.errors.server_error"
