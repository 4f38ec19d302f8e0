"""Participant notifications about events changing, and reminders before they start.

Everything here runs after the change has committed (``transaction.on_commit`` in
the event services, a periodic task for reminders) and goes out through
``email_queue``, so each message is rendered in its recipient's language.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db.models import Prefetch
from django.utils import timezone

from events.invitations import registration_invitation, withdrawn_sessions
from events.models import Event, Registration, Session
from outbox.dispatch import run_now
from outbox.services.emails import email_queue

logger = logging.getLogger(__name__)

REMINDER_HORIZON = timedelta(hours=24)
# The task that emails everyone registered for an event (events.tasks).
NOTIFY_TASK = "events.tasks.notify_registrations"


def _active_registrations(event: Event):
    return (
        Registration.objects.filter(event=event).active()
        .select_related("user")
        .order_by("pk")
    )


def _notify_all(*, event_id: int, template: str, calendar_method: str, context: dict) -> int:
    event = Event.objects.select_related("city").filter(pk=event_id).first()
    if event is None:
        return 0
    sessions = list(event.sessions.all())
    withdrawn = context.get("withdrawn")
    if withdrawn is not None:
        # Deleted sessions: the email and its CANCEL speak of them only, not of the remaining ones.
        context = {**context, "withdrawn": withdrawn_sessions(event=event, data=withdrawn)}
    queued = 0
    for registration in _active_registrations(event):
        registration.event = event
        if withdrawn is not None and registration.status != Registration.Status.CONFIRMED:
            continue  # nothing of theirs to take out of a calendar
        try:
            # Only confirmed participants hold the event in their calendar.
            only = {"sessions": context["withdrawn"]} if withdrawn is not None else {}
            calendar = (
                registration_invitation(registration=registration, method=calendar_method, **only)
                if registration.status == Registration.Status.CONFIRMED
                else None
            )
            email_queue(
                user=registration.user,
                template=template,
                context={"registration": registration, "sessions": sessions, **context},
                event=event,
                calendar=calendar,
            )
            queued += 1
        except Exception:
            # One participant's broken email must not keep the others uninformed.
            logger.exception("Could not queue %s for registration %s", template, registration.pk)
    return queued


def _fan_out(*, event_id: int, template: str, calendar_method: str, context: dict) -> None:
    # A big event means hundreds of emails: with workers, the organizer's request
    # only hands over the event id. (Called after the change's commit already.) Without
    # workers the list of recipients is read here and now, as the change left it; each
    # email still leaves on the background threads.
    run_now(
        NOTIFY_TASK,
        background=False,
        event_id=event_id,
        template=template,
        calendar_method=calendar_method,
        context=context,
        in_process=partial(
            _notify_all, event_id=event_id, template=template, calendar_method=calendar_method, context=context
        ),
    )


def sessions_withdrawn_notify(*, event_id: int, sessions: list[dict]) -> None:
    """Email confirmed participants a CANCEL for sessions that were deleted (plain data: the rows are gone)."""
    _fan_out(
        event_id=event_id, template="session_withdrawn", calendar_method="CANCEL", context={"withdrawn": sessions}
    )


def event_changed_notify(*, event_id: int) -> None:
    """Email everyone registered that the event's time or place changed."""
    _fan_out(event_id=event_id, template="event_changed", calendar_method="REQUEST", context={})


def event_cancelled_notify(*, event_id: int, reason: str = "") -> None:
    """Email everyone registered that the event is cancelled."""
    _fan_out(event_id=event_id, template="event_cancelled", calendar_method="CANCEL", context={"reason": reason})


def registrations_notify(*, event_id: int, template: str, calendar_method: str, context: dict) -> int:
    """The worker's side of the fan-out; how many emails were queued."""
    return _notify_all(event_id=event_id, template=template, calendar_method=calendar_method, context=context)


def reminders_send(*, now: datetime | None = None, horizon: timedelta = REMINDER_HORIZON) -> int:
    """Remind confirmed participants of each session starting within ``horizon``.

    Safe to run as often as wanted: each (registration, session) pair has its own
    dedupe key, so a second run queues nothing. Returns how many emails were queued.
    """
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            starts_at__gt=now, starts_at__lte=now + horizon, event__status=Event.Status.PUBLISHED
        )
        .select_related("event__city")
        .prefetch_related(
            Prefetch(
                "event__registrations",
                queryset=Registration.objects.confirmed().select_related("user"),
                to_attr="confirmed_registrations",
            ),
            Prefetch("event__sessions", to_attr="all_sessions"),
        )
        .order_by("starts_at", "pk")
    )
    queued = 0
    reminded: list[int] = []
    for session in sessions:
        event = session.event
        for registration in event.confirmed_registrations:
            registration.event = event
            try:
                message = email_queue(
                    user=registration.user,
                    template="reminder",
                    context={"registration": registration, "session": session, "sessions": event.all_sessions},
                    event=event,
                    dedupe_key=f"reminder:{registration.pk}:{session.pk}",
                )
            except Exception:
                logger.exception("Could not queue the reminder for registration %s", registration.pk)
                continue
            if message is not None:
                queued += 1
                reminded.append(registration.pk)
    if reminded:
        Registration.objects.filter(pk__in=reminded).update(reminder_sent_at=now)
    return queued
