from django.contrib import admin

from accounts.admin_mixins import PlatformAdminMixin, ReadOnlyMixin
from privacy.models import AuditHold, Consent, ConsentText, DataExport, DeletionRequest, PurgeRun, RetentionPolicy


@admin.register(Consent)
class ConsentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "purpose", "city", "text_version", "how", "given_at", "withdrawn_at"]
    list_filter = ["purpose", "how", "city"]
    search_fields = ["user__email"]


@admin.register(ConsentText)
class ConsentTextAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["city", "kind", "version", "updated_at"]
    list_filter = ["city", "kind"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["city", "registration_months", "sensitive_answer_months", "email_body_days", "survey_token_days"]


@admin.register(AuditHold)
class AuditHoldAdmin(PlatformAdminMixin, admin.ModelAdmin):
    list_display = ["event", "until", "reason", "set_by"]
    autocomplete_fields = ["event"]
    readonly_fields = ["set_by"]

    def save_model(self, request, obj, form, change):
        from privacy.services.policies import audit_hold_set

        audit_hold_set(event=obj.event, until=obj.until, reason=obj.reason, actor=request.user)


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "status", "requested_at", "due_at", "finished_at"]
    list_filter = ["status"]
    exclude = ["user"]


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "status", "requested_at", "ready_at", "expires_at", "downloaded_at"]
    exclude = ["user"]


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "counts", "error"]
