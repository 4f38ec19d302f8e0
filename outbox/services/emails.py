"""The one way an email leaves the site.

``email_queue`` renders the message in the recipient's language, stores it, and
after commit hands its primary key to the sending task (``outbox.dispatch``). The task sends it and records the
outcome; a mail server that is down means a retry later, never a lost registration.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import pgettext

from accounts.models import User
from events.invitations import InvitationEmail, calendar_mime_part
from events.models import CityMembership, Event
from outbox.dispatch import dispatch
from outbox.models import OutgoingEmail

# The task that sends one stored email (outbox.tasks).
SEND_TASK = "events.tasks.send_outgoing_email"
# Organizers named in Reply-To at most (a city has a handful).
REPLY_TO_LIMIT = 10


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{template}.txt", context)
    try:
        html = render_to_string(f"emails/{template}.html", context)
    except TemplateDoesNotExist:
        # An HTML part is optional; a broken one is a bug and must show up, not vanish.
        html = ""
    return subject, text, html


def _mask(body: str, secrets: list[str]) -> str:
    """``body`` with every secret (as typed, HTML-escaped or URL-quoted) replaced by a mark."""
    if not body:
        return body
    mark = pgettext("a secret link or code removed from a stored email", "[hidden]")
    forms = {form for secret in secrets for form in (secret, escape(secret), quote(secret, safe="/:?=&"))}
    # Longest first: a link is masked whole before the key inside it is looked for.
    for form in sorted(forms, key=len, reverse=True):
        body = body.replace(form, mark)
    return body


def _secrets(values: Iterable[str]) -> list[str]:
    # Very short values would mask ordinary words; no secret of the site is that short.
    return [value for value in dict.fromkeys(values) if isinstance(value, str) and len(value) >= 4]


def _keep_secret(message: OutgoingEmail, secrets: list[str]) -> None:
    """Store the bodies masked; the real ones wait in ``secret_*`` until sent."""
    if not secrets:
        return
    message.is_secret = True
    message.secret_text, message.secret_html = message.body_text, message.body_html
    message.body_text = _mask(message.body_text, secrets)
    message.body_html = _mask(message.body_html, secrets)


def email_queue(
    *,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    event: Event | None = None,
    dedupe_key: str | None = None,
    calendar: tuple[str, str] | None = None,
    attachment: tuple[str, str, str] | None = None,
    secrets: Iterable[str] = (),
) -> OutgoingEmail | None:
    """Render ``emails/<template>.*`` for ``user`` and send it after the transaction commits.

    ``calendar`` is ``(method, ics_text)``; ``attachment`` is ``(filename, storage_path, mimetype)``.
    ``secrets`` are strings of the message (a one-use link, a code) that must not stay
    stored once it is sent: see ``_keep_secret``.
    With a ``dedupe_key`` already used, nothing is queued and None is returned.
    """
    if dedupe_key and OutgoingEmail.objects.filter(dedupe_key=dedupe_key).exists():
        # Cheap early exit for jobs run twice; the unique key below still settles races.
        return None
    language = user.preferred_language or settings.LANGUAGE_CODE
    ctx = {"user": user, "event": event, "SITE_URL": settings.SITE_URL, **(context or {})}
    # Dates in an event's email read in the event's city, whatever the server's zone.
    zone = event.city.tzinfo if event is not None else timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        subject, text, html = _render(template, ctx)
    subject_field = OutgoingEmail._meta.get_field("subject")
    message = OutgoingEmail(
        user=user,
        event=event,
        to_email=user.email,
        template=template,
        language=language,
        # A long event title must not make the row too long to store (PostgreSQL refuses it).
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[: subject_field.max_length],
        body_text=text,
        body_html=html,
        dedupe_key=dedupe_key,
    )
    _keep_secret(message, _secrets(secrets))
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
    _send_after_commit(message.pk, message)
    return message


def email_queue_message(
    *, message: EmailMultiAlternatives, template: str, user: User | None = None, secrets: Iterable[str] = ()
) -> OutgoingEmail:
    """Queue an email someone else rendered (allauth's account emails), one row per recipient."""
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    subject_field = OutgoingEmail._meta.get_field("subject")
    secrets = _secrets(secrets)
    rows = []
    for recipient in message.to:
        row = OutgoingEmail(
            user=user,
            to_email=recipient,
            template=template,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            subject=message.subject[: subject_field.max_length],
            body_text=message.body,
            body_html=html,
        )
        _keep_secret(row, secrets)
        row.save()
        rows.append(row)
    for row in rows:
        _send_after_commit(row.pk)
    return rows[0]


def _send_after_commit(email_id: int, message: OutgoingEmail | None = None) -> None:
    # In this process a row just written need not be read back: one UPDATE records the outcome.
    if message is not None:
        deliver = partial(_deliver_fresh, message)
    else:
        deliver = partial(email_deliver, email_id=email_id, final=True)
    # No fallback: a stored row is the queue itself; with the broker down it waits for
    # retry_failed_emails rather than holding up the request on the mail server.
    dispatch(SEND_TASK, email_id, in_process=deliver, fallback=False)


def email_deliver(*, email_id: int, final: bool) -> bool:
    """Try to send one email. On failure: marked failed when ``final`` (nobody retries
    later), else the error propagates so the caller's task can retry. True when sent."""
    try:
        return email_send_now(email_id=email_id)
    except Exception as exc:
        if not final:
            raise
        # Organizers see it in the failed list; retry_failed_emails sends it again.
        email_mark_failed(email_id=email_id, error=str(exc) or exc.__class__.__name__)
        return False


def _deliver_fresh(message: OutgoingEmail) -> bool:
    """Send an email just queued by this process: one UPDATE records the outcome."""
    try:
        _build(message).send()
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=message.pk).exclude(status=OutgoingEmail.Status.SENT).update(
            attempts=F("attempts") + 1,
            status=OutgoingEmail.Status.FAILED,
            last_error=(str(exc) or exc.__class__.__name__)[:2000],
        )
        return False
    OutgoingEmail.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error="", **_FORGET
    )
    return True


# Once an email is sent, the secret it carried is kept nowhere.
_FORGET = {"secret_text": "", "secret_html": ""}


def _reply_to(message: OutgoingEmail) -> list[str]:
    """A participant's reply to an event's email reaches the organizers of its city."""
    if message.event_id is None:
        return []
    return list(
        User.objects.filter(
            city_memberships__city__events=message.event_id,
            city_memberships__role=CityMembership.Role.ORGANIZER,
            is_active=True,
        )
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()[:REPLY_TO_LIMIT]
    )


def _build(message: OutgoingEmail) -> EmailMultiAlternatives:
    text, html = (message.secret_text, message.secret_html) if message.is_secret else (message.body_text, message.body_html)
    fields = {
        "subject": message.subject,
        "body": text,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [message.to_email],
        "reply_to": _reply_to(message),
    }
    if message.calendar_body:
        mail = InvitationEmail(**fields, calendar=calendar_mime_part(message.calendar_method, message.calendar_body))
    else:
        mail = EmailMultiAlternatives(**fields)
    if html:
        mail.attach_alternative(html, "text/html")
    if message.attachment_path:
        with default_storage.open(message.attachment_path, "rb") as fh:
            mail.attach(message.attachment_name, fh.read(), message.attachment_mimetype)
    return mail


def email_send_now(*, email_id: int) -> bool:
    """Send one queued email; True when sent (or already sent). Raises on transport errors."""
    # Count the attempt and read the row in two statements, no transaction: sending
    # happens in the request in embedded mode, and every round trip shows there.
    counted = (
        OutgoingEmail.objects.filter(pk=email_id)
        .exclude(status=OutgoingEmail.Status.SENT)
        .update(attempts=F("attempts") + 1)
    )
    if not counted:
        return True
    message = OutgoingEmail.objects.get(pk=email_id)
    mail = _build(message)
    try:
        mail.send()
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=email_id).update(last_error=str(exc)[:2000])
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(
        status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error="", **_FORGET
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
    _send_after_commit(email.pk)


def email_retry_failed(*, queued_older_than: timedelta | None = None, limit: int | None = None) -> tuple[int, int]:
    """Send failed emails again, now, in this process; ``(sent, still_failing)``.

    Without a broker nobody retries later, so this is what brings mail back once the
    server is up. ``queued_older_than`` also picks up emails stuck as queued (a worker
    or process that died between commit and send).
    """
    wanted = Q(status=OutgoingEmail.Status.FAILED)
    if queued_older_than is not None:
        wanted |= Q(status=OutgoingEmail.Status.QUEUED, created_at__lt=timezone.now() - queued_older_than)
    ids = OutgoingEmail.objects.filter(wanted).order_by("created_at", "id").values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    sent = failing = 0
    for email_id in list(ids):
        try:
            email_send_now(email_id=email_id)
        except Exception as exc:  # noqa: BLE001 - any transport error: record it and go on with the rest
            email_mark_failed(email_id=email_id, error=str(exc) or exc.__class__.__name__)
            failing += 1
        else:
            sent += 1
    return sent, failing
