from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        # Django's and allauth's own admins (groups, sites, email addresses…) get the same guard
        # against tampered posts as ours, so a forged selection is a message there too, not a 500.
        # The admin registered them all in its own ready(), which runs first (INSTALLED_APPS order).
        from django.contrib import admin

        from accounts.admin_mixins import AdminInputGuardMixin

        for model_admin in admin.site._registry.values():
            cls = type(model_admin)
            if not issubclass(cls, AdminInputGuardMixin):
                model_admin.__class__ = type(cls.__name__, (AdminInputGuardMixin, cls), {"__module__": cls.__module__})
