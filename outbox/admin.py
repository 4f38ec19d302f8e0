"""The outgoing emails in the platform admin: read-only, with "send again" for failed ones."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_mixins import ReadOnlyMixin
from outbox.models import OutgoingEmail
from outbox.services import emails as email_services


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "to_email", "template", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["to_email", "subject", "template"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    # body_text is the stored copy, with any secret masked; the real bodies of a secret
    # email (secret_text / secret_html, emptied once sent) are never shown.
    exclude = ["body_html", "calendar_body", "secret_text", "secret_html"]

    @admin.action(description=_("Send the selected failed emails again"))
    def retry(self, request, queryset):
        failed = list(queryset.filter(status=OutgoingEmail.Status.FAILED))
        for email in failed:
            email_services.email_retry(email=email)
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", len(failed))
            % {"count": len(failed)},
        )
