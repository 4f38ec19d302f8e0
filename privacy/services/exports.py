"""'Download my data': requested on the My data page, built in the background, emailed as a link."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from outbox.dispatch import dispatch
from outbox.services.emails import email_queue
from privacy.classification import OWNERS, exported_fields
from privacy.export import build_zip
from privacy.models import DataExport

logger = logging.getLogger(__name__)

EXPORT_TTL = timedelta(days=7)
# Of someone else, never exported even when on the participant's own row.
OTHER_PEOPLE = {
    ("events.Registration", "decided_by"),
    ("events.Registration", "cancelled_by"),
    ("events.Attendance", "marked_by"),
    ("certificates.Certificate", "issued_by"),
    ("certificates.Certificate", "revoked_by"),
    ("certificates.Certificate", "trainer_names"),
    ("certificates.Certificate", "signatory_name"),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _value(obj, field):
    value = getattr(obj, field.name)
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        return None if value is None else str(value) if field.related_model is not User else value.email
    if isinstance(field, models.FileField):
        return value.name or ""
    return value


def user_data_tables(user: User) -> dict[str, list[dict]]:
    """Every row the classification says is this person's, with its exportable fields."""
    tables: dict[str, list[dict]] = {}
    for label, lookup in OWNERS.items():
        model = apps.get_model(label)
        fields = [
            model._meta.get_field(name)
            for name in exported_fields(label)
            if (label, name) not in OTHER_PEOPLE and not model._meta.get_field(name).many_to_many
        ]
        queryset = model._default_manager.filter(**{lookup: user.pk}).order_by("pk")
        related = [f.name for f in fields if isinstance(f, models.ForeignKey | models.OneToOneField)]
        if related:
            queryset = queryset.select_related(*related)
        tables[label.replace(".", "_").lower()] = [{f.name: _value(row, f) for f in fields} for row in queryset]
    # Survey invitations and other tables other apps add: they register a collector.
    for name, collect in EXTRA_TABLES.items():
        tables[name] = collect(user)
    return tables


# The task that builds one export (privacy.tasks).
BUILD_TASK = "privacy.tasks.build_export"

# name → collect(user) -> list[dict]; surveys registers its invitations (never anonymous answers).
EXTRA_TABLES: dict = {}


def user_export_request(*, user: User) -> DataExport:
    """Ask for a ZIP of everything held about ``user``; built in the background, then emailed."""
    pending = DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        export = DataExport.objects.create(user=user, token_hash=_hash(secrets.token_urlsafe(32)))
        dispatch(BUILD_TASK, export.pk)
    return export


def user_export_build(*, export_id: int) -> DataExport | None:
    """Build the ZIP of one export request and email its one-use link (masked once sent)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id, status=DataExport.Status.PENDING).first()
    if export is None:
        return None
    user = export.user
    now = timezone.now()
    try:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            data = build_zip(user_data_tables(user), title=_("Your data at EPI Events"), generated_at=now)
        path = default_storage.save(f"exports/{secrets.token_urlsafe(24)}.zip", ContentFile(data))
    except Exception:
        logger.exception("export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED)
        raise
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.READY, file_path=path, size=len(data), ready_at=now,
            expires_at=now + EXPORT_TTL, token_hash=_hash(token),
        )
        link = settings.SITE_URL + reverse("privacy:export_download", args=[token])
        email_queue(
            user=user,
            template="data_export_ready",
            context={"link": link, "expires_at": now + EXPORT_TTL},
            secrets=[link, token],
        )
    export.refresh_from_db()
    return export


def export_for_download(*, user: User, token: str) -> DataExport | None:
    """The ready, unexpired export behind ``token`` if it is ``user``'s own; else None."""
    return DataExport.objects.filter(
        token_hash=_hash(token), user=user, status=DataExport.Status.READY, expires_at__gt=timezone.now()
    ).first()


def export_mark_downloaded(*, export: DataExport) -> None:
    """The link is one-use: once the file is served, it is deleted."""
    DataExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
    export_expire(export_id=export.pk)


def export_expire(*, export_id: int) -> int:
    export = DataExport.objects.filter(pk=export_id).exclude(status=DataExport.Status.EXPIRED).first()
    if export is None:
        return 0
    if export.file_path:
        default_storage.delete(export.file_path)
    return DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.EXPIRED, file_path="")
