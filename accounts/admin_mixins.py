"""What every admin page of the site shares: who may use it, and how it meets tampered input.

A module of its own, importing no app's admin, so each app's admin (accounts, events, outbox,
certificates, privacy) builds on it without importing another's.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from events.permissions import is_platform_admin
from events.validation import TRANSLATIONS_JSON_MAX_LENGTH


class _ValidChoicesAutocompleteMixin:
    """Django's autocomplete widgets look up the submitted ids as they are: drop those that are no ids."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        # The same field Django's AutocompleteMixin.optgroups looks the values up by.
        to_field = getattr(remote, "field_name", self.field.model._meta.pk.attname)
        to_python = remote.model._meta.get_field(to_field).to_python
        valid = []
        for item in value:
            try:
                to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class _SafeAutocompleteSelect(_ValidChoicesAutocompleteMixin, AutocompleteSelect):
    pass


class _SafeAutocompleteSelectMultiple(_ValidChoicesAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class AdminInputGuardMixin:
    """Tampered admin posts get a message, not a 500 (the fuzz test in tests/test_fuzz.py posts them)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField):
            # Texts in other languages, typed as JSON: bounded like every other text input.
            kwargs.setdefault("max_length", TRANSLATIONS_JSON_MAX_LENGTH)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(getattr(formfield, "widget", None), "widget", None)
        for plain, safe in ((AutocompleteSelectMultiple, _SafeAutocompleteSelectMultiple),
                            (AutocompleteSelect, _SafeAutocompleteSelect)):
            if type(widget) is plain:
                widget.__class__ = safe
                break
        return formfield

    def response_action(self, request, queryset):
        pk = self.model._meta.pk
        low, high = connection.ops.integer_field_range(pk.get_internal_type())
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                number = pk.to_python(value)
                # A number no column can hold is no row either (SQLite refuses it with an OverflowError).
                if isinstance(number, int) and (
                    (low is not None and number < low) or (high is not None and number > high)
                ):
                    raise ValidationError("out of range")
        except ValidationError:
            self.message_user(
                request, gettext("The selection was sent incomplete. Reload the list and try again."), messages.WARNING
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class PlatformAdminMixin(AdminInputGuardMixin):
    """Every platform admin may use these pages; nobody else may."""

    def has_module_permission(self, request):
        return is_platform_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_platform_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user)


class ReadOnlyMixin(PlatformAdminMixin):
    """Visible to platform admins, changed only by services.

    Refusing delete here also stops the admin from deleting an event, session or
    registration that still has rows of this kind: Django lists them as protected.
    """

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
