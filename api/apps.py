from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from api import schema  # noqa: F401  (registers the token authentication with drf-spectacular)
        from events.models import City

        # Cities change in the admin only, with no service to call; every event read shows its city.
        for signal in (post_save, post_delete):
            signal.connect(_city_changed, sender=City, dispatch_uid=f"api-programme-city-{signal is post_save}")


def _city_changed(**kwargs):
    from api.programme import programme_changed

    programme_changed()
