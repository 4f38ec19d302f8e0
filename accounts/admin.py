import allauth.account.admin  # noqa: F401  (registers EmailAddress before it is wrapped below)
import allauth.mfa.admin  # noqa: F401  (registers Authenticator)
from allauth.account.decorators import secure_admin_login
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import AdminInputGuardMixin, PlatformAdminMixin
from events.models import CityMembership

from . import permissions
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

    # The memberships of an account are changed with the account (``obj`` is the user).
    def has_add_permission(self, request, obj=None):
        return permissions.can_change_user(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_user(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_change_user(request.user, obj)


@admin.register(User)
class UserAdmin(AdminInputGuardMixin, BaseUserAdmin):
    """Accounts. Every decision, object by object, is in ``accounts.permissions``."""

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

    def has_module_permission(self, request):
        return permissions.can_view_users(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_view_users(request.user)

    def has_add_permission(self, request):
        return permissions.can_add_user(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_user(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_user(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.can_grant_privileges(request.user):
            readonly += list(permissions.PRIVILEGE_FIELDS)
        return readonly

    def delete_queryset(self, request, queryset):
        # The bulk action already lists refused rows; this keeps the rule if anything else calls it.
        if any(not permissions.can_delete_user(request.user, user) for user in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if change and not permissions.can_change_user(request.user, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class SuperuserOnlyMixin:
    """Django's own admins (groups, sites, allauth's addresses and authenticators): superusers only."""

    def has_module_permission(self, request):
        return permissions.can_use_django_permission_admins(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_use_django_permission_admins(request.user)

    def has_add_permission(self, request, *args):
        return permissions.can_use_django_permission_admins(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_use_django_permission_admins(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_use_django_permission_admins(request.user)


class AccountPartMixin(SuperuserOnlyMixin):
    """An email address or authenticator goes with its account when the account may be deleted."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and permissions.can_delete_user(request.user, obj.user):
            return True
        return super().has_delete_permission(request, obj)


for _model, _mixin in ((Group, SuperuserOnlyMixin), (Site, SuperuserOnlyMixin), (EmailAddress, AccountPartMixin),
                       (Authenticator, AccountPartMixin)):
    if admin.site.is_registered(_model):
        _base = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (_mixin, _base), {}))
