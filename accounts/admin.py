from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from events.admin import PlatformAdminMixin
from events.models import CityMembership

from .models import User

# The admin has no login of its own: staff sign in through allauth like everyone else, so rate
# limits, email verification and two-factor authentication protect the back office too.
admin.site.login = secure_admin_login(admin.site.login)


class OrganizedCityInline(PlatformAdminMixin, admin.TabularInline):
    model = CityMembership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["city"]
    fields = ["city", "role", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name = _("organized city")
    verbose_name_plural = _("organized cities")


@admin.register(User)
class UserAdmin(PlatformAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "full_name"]
    inlines = [OrganizedCityInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "full_name", "preferred_language", "password1", "password2")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Any platform admin may run the site, but only a superuser may mint another superuser.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly
