"""The one way an email leaves the site.

``email_queue`` renders the message in the recipient's language, stores it, and
after commit hands its primary key to a task. The task sends it and records the
outcome; a mail server that is down means a retry later, never a lost registration.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from events.models import Event, OutgoingEmail


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{template}.txt", context)
    try:
        html = render_to_string(f"emails/{template}.html", context)
    except Exception:  # noqa: BLE001 - an HTML part is optional
        html = ""
    return subject, text, html


def email_queue(
    *,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    event: Event | None = None,
    dedupe_key: str | None = None,
    calendar: tuple[str, str] | None = None,
    attachment: tuple[str, str, str] | None = None,
) -> OutgoingEmail | None:
    """Render ``emails/<template>.*`` for ``user`` and send it after the transaction commits.

    ``calendar`` is ``(method, ics_text)``; ``attachment`` is ``(filename, storage_path, mimetype)``.
    With a ``dedupe_key`` already used, nothing is queued and None is returned.
    """
    language = user.preferred_language or settings.LANGUAGE_CODE
    ctx = {"user": user, "event": event, "SITE_URL": settings.SITE_URL, **(context or {})}
    with translation.override(language):
        subject, text, html = _render(template, ctx)
    message = OutgoingEmail(
        user=user,
        event=event,
        to_email=user.email,
        template=template,
        language=language,
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body_text=text,
        body_html=html,
        dedupe_key=dedupe_key,
    )
    if calendar:
        message.calendar_method, message.calendar_body = calendar
    if attachment:
        message.attachment_name, message.attachment_path, message.attachment_mimetype = attachment
    if dedupe_key:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            return None
    else:
        message.save()
    from events.tasks import send_outgoing_email

    pk = message.pk
    transaction.on_commit(lambda: send_outgoing_email.delay(pk))
    return message


def email_send_now(*, email_id: int) -> bool:
    """Send one queued email; True when sent (or already sent). Raises on transport errors."""
    with transaction.atomic():
        message = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if message is None or message.status == OutgoingEmail.Status.SENT:
            return True
        message.attempts += 1
        message.save(update_fields=["attempts"])
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    if message.calendar_body:
        from events.invitations import calendar_mime_part

        mail.attach(calendar_mime_part(message.calendar_method, message.calendar_body))
    if message.attachment_path:
        from django.core.files.storage import default_storage

        with default_storage.open(message.attachment_path, "rb") as fh:
            mail.attach(message.attachment_name, fh.read(), message.attachment_mimetype)
    try:
        mail.send()
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=email_id).update(last_error=str(exc)[:2000])
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def email_mark_failed(*, email_id: int, error: str) -> None:
    OutgoingEmail.objects.filter(pk=email_id).exclude(status=OutgoingEmail.Status.SENT).update(
        status=OutgoingEmail.Status.FAILED, last_error=error[:2000]
    )


def email_retry(*, email: OutgoingEmail) -> None:
    """Put a failed email back in the queue (organizer action)."""
    OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.FAILED).update(
        status=OutgoingEmail.Status.QUEUED
    )
    from events.tasks import send_outgoing_email

    pk = email.pk
    transaction.on_commit(lambda: send_outgoing_email.delay(pk))
