"""Certificates in the platform admin's back office: read-only, changed through the services.

Re-issue and revocation are actions calling ``certificates.services.certificates``, so
the admin supersedes and revokes exactly as the trainers' page does.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin_mixins import ReadOnlyMixin
from certificates.models import Certificate, CertificateBatch
from certificates.services import certificates as certificate_services
from events import permissions
from events.validation import CleanInputMixin


class RevokeActionForm(CleanInputMixin, ActionForm):
    reason = forms.CharField(label=_("Reason (for revocation)"), required=False, max_length=1000)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "holder_name", "event_title", "city_name", "status", "issued_at")
    list_filter = ("status", "event__city")
    search_fields = ("number", "holder_name", "code", "event_title")
    list_select_related = ("event__city",)
    date_hierarchy = "issued_at"
    readonly_fields = [f.name for f in Certificate._meta.fields]
    action_form = RevokeActionForm
    actions = ["revoke", "reissue"]

    def get_actions(self, request):
        # Actions are changes of state; they stay available while the rows themselves are read-only.
        return super().get_actions(request) if permissions.is_platform_admin(request.user) else {}

    @admin.action(description=_("Revoke the selected certificates (give a reason)"))
    def revoke(self, request, queryset):
        reason = request.POST.get("reason", "")
        done = 0
        for certificate in queryset.filter(status=Certificate.Status.VALID):
            try:
                certificate_services.certificate_revoke(certificate=certificate, actor=request.user, reason=reason)
            except certificate_services.CertificateError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(
            request, ngettext("%(count)d certificate revoked.", "%(count)d certificates revoked.", done) % {"count": done}
        )

    @admin.action(description=_("Re-issue the selected certificates"))
    def reissue(self, request, queryset):
        done = 0
        for certificate in queryset.filter(status=Certificate.Status.VALID).select_related("event__city"):
            try:
                certificate_services.certificate_reissue(certificate=certificate, actor=request.user)
            except certificate_services.CertificateError as exc:
                self.message_user(
                    request,
                    gettext("%(number)s: %(error)s") % {"number": certificate.number, "error": exc},
                    messages.WARNING,
                )
                continue
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d certificate re-issued.", "%(count)d certificates re-issued.", done) % {"count": done},
        )


@admin.register(CertificateBatch)
class CertificateBatchAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("event", "status", "done", "total", "issued", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("event", "created_by")
    readonly_fields = [f.name for f in CertificateBatch._meta.fields]
