"""The emails a registration change sends: handed over after commit by id, rendered in the
participant's language, with the calendar invitation (REQUEST) or its withdrawal (CANCEL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from events.invitations import registration_invitation
from events.models import Registration
from outbox.dispatch import dispatch
from outbox.models import OutgoingEmail
from outbox.services.emails import email_queue

Status = Registration.Status
Source = Registration.Source

# The task that renders, stores and sends one registration email (events.tasks).
SEND_TASK = "events.tasks.send_registration_email"

# The email a new registration gets, by the status it starts in: (template, calendar method).
FIRST_EMAIL = {
    Status.CONFIRMED: ("registration_confirmed", "REQUEST"),
    Status.WAITING: ("registration_waiting", None),
    Status.PENDING: ("registration_pending", None),
}



@dataclass
class Mail:
    registration_id: int
    template: str
    calendar_method: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The registration as just written (with event, city and user), saving a reload
    # for the person who made the change; others are read fresh after commit.
    instance: Registration | None = None


def mail_after_commit(mails: Iterable[Mail]) -> None:
    """Send each email once the registration change commits (with the caller's commit, or at once).

    With workers only ids travel and the worker renders; in this process the registration as
    just written is used. A job lost with a killed process is the one gap (as with an
    in-memory broker): ``registration_emails_recover`` finds and sends those.
    """
    for mail in mails:
        dispatch(
            SEND_TASK,
            registration_id=mail.registration_id,
            template=mail.template,
            calendar_method=mail.calendar_method,
            context=mail.context,
            in_process=partial(_send_registration_mail, mail),
        )


def registration_email_send(
    *, registration_id: int, template: str, calendar_method: str | None = None, context: dict | None = None
) -> None:
    """Queue one registration email (the body of the ``send_registration_email`` task)."""
    _send_registration_mail(Mail(registration_id, template, calendar_method, dict(context or {})))


def _send_registration_mail(mail: Mail) -> None:
    registration = mail.instance or (
        Registration.objects.select_related("event__city", "user").filter(pk=mail.registration_id).first()
    )
    if registration is None or registration.user_id is None:
        # Anonymised meanwhile (a deleted account): nobody to write to.
        return
    context = {"registration": registration, "sessions": list(registration.event.sessions.all()), **mail.context}
    if mail.template == "registration_waiting" and "position" not in context:
        context["position"] = registration.waiting_position()
    calendar = None
    if mail.calendar_method:
        calendar = registration_invitation(registration=registration, method=mail.calendar_method)
    email_queue(
        user=registration.user,
        template=mail.template,
        context=context,
        event=registration.event,
        calendar=calendar,
    )


def promoted_mails(promoted: Iterable[Registration]) -> list[Mail]:
    return [Mail(r.pk, "registration_promoted", "REQUEST") for r in promoted]


def registration_emails_recover(*, older_than: timedelta, within: timedelta = timedelta(days=2)) -> int:
    """Send the first email of registrations that never got one; how many were sent.

    That email leaves after the commit: without a broker it is rendered on a background
    thread of the web process, with one the request hands it to Celery after the
    response's commit. A process killed outright in between (out of memory, SIGKILL)
    loses it, with the registration safely stored. This finds such registrations, made
    between ``within`` and ``older_than`` ago, still unchanged (whatever changed one sent
    its own email), with no first email stored since they were made, and sends it. Run
    twice, it sends nothing twice: the first run's emails are there for the second.
    """
    now = timezone.now()
    templates = [template for template, _method in FIRST_EMAIL.values()]
    emailed = OutgoingEmail.objects.filter(
        user_id=OuterRef("user_id"),
        event_id=OuterRef("event_id"),
        template__in=templates,
        # A minute's margin for clocks: the row's time may come from another app server.
        created_at__gte=OuterRef("created_at") - timedelta(minutes=1),
    )
    lost = (
        Registration.objects.filter(
            created_at__lt=now - older_than,
            created_at__gte=now - within,
            status__in=list(FIRST_EMAIL),
            updated_at__lt=F("created_at") + timedelta(seconds=1),
        )
        .exclude(Exists(emailed))
        .select_related("event__city", "user")
        .order_by("created_at", "pk")
    )
    sent = 0
    for registration in lost:
        template, method = FIRST_EMAIL[registration.status]
        context = {"by_organizer": registration.source != Source.ONLINE}
        _send_registration_mail(Mail(registration.pk, template, method, context, instance=registration))
        sent += 1
    return sent
