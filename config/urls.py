from django.contrib import admin
from django.urls import include, path

from accounts.views_i18n import javascript_catalog
from certificates.views import jwks
from events.views.health import healthz
from events.views.media import city_logo

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls", namespace="api")),
    path("me/api/", include("api.urls_pages", namespace="api_pages")),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("certificates/", include("certificates.urls")),
    path("privacy/", include("privacy.urls")),
    path("attendance/", include("events.urls_attendance")),
    path("calendars/", include("events.urls_calendar")),
    path("surveys/", include("surveys.urls")),
    path("evidence/", include("evidence.urls")),
    path("manage/", include("events.urls_registration_admin", namespace="registration_admin")),
    path("", include("events.urls")),
    path("", include("events.urls_registration")),
    path("healthz", healthz, name="healthz"),
    path("jsi18n/<str:lang>.js", javascript_catalog, name="javascript_catalog"),
    # The public keys that verify the site's credentials (certificates/keys.py).
    path(".well-known/jwks.json", jwks, name="jwks"),
    # Uploaded city logos are public; everything else under MEDIA_ROOT is served by views that check access.
    path("media/cities/logos/<path:name>", city_logo, name="city_logo"),
]

# A database connection lost mid-request answers 503 "please try again" (config/errors.py).
handler500 = "config.errors.server_error"
