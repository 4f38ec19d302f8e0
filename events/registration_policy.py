"""May this person register for an event, or cancel a registration, and if not, why not.

Pure decisions over facts already loaded (no queries), each answering a reason code, so the
registration service, the registration pages and the event page's registration box give the
same answer in the same words. ``RegistrationError`` is how the registration services refuse:
a reason code and its message. The PostgreSQL one-trip registration decides the ordinary case in
SQL as well; ``tests/events/test_registration_properties.py`` holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, Registration


class RegistrationError(Exception):
    """A change the event's state does not allow; ``str()`` is a translated message for the user.

    ``code`` names the reason for callers that branch on it ("closed", "cancelled",
    "duplicate", "consent", "answers", "not_allowed", "state", "full", "capacity");
    ``field_errors`` maps question ids to messages when answers are at fault.
    """

    def __init__(self, message: str, *, code: str = "invalid", field_errors: dict[int, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field_errors = field_errors or {}


# Reason codes, in the order they are decided.
CANCELLED = "cancelled"  # the event is cancelled
DRAFT = "draft"  # the event is not published
NOT_OPEN = "not_open"  # the registration window has not opened yet
CLOSED = "closed"  # the registration window has closed
DUPLICATE = "duplicate"  # an active registration exists already
DECLINED = "declined"  # the organizers turned this person down before
# ... and for cancelling:
INACTIVE = "state"  # the registration is no longer active
STARTED = "started"  # the event has started: only the organizers may cancel now


def registration_refusal(
    event: Event, *, registered: bool = False, declined: bool = False, by_organizer: bool = False,
    now: datetime | None = None,
) -> str | None:
    """Why this person may not register for ``event`` now (a reason code); None when they may.

    ``registered``: they hold an active registration; ``declined``: the organizers rejected an
    earlier one. Organizers adding someone are not bound by the window or an earlier rejection.
    """
    if event.status == Event.Status.CANCELLED:
        return CANCELLED
    if event.status != Event.Status.PUBLISHED:
        return DRAFT
    if not by_organizer:
        now = now or timezone.now()
        if not event.registration_is_open(now):
            return NOT_OPEN if event.registration_opens_at and now < event.registration_opens_at else CLOSED
    if registered:
        return DUPLICATE
    if declined and not by_organizer:
        return DECLINED
    return None


def registration_facts(registrations: Iterable[Registration]) -> dict[str, bool]:
    """``registered`` / ``declined`` for ``registration_refusal`` from one person's registrations of an event."""
    rows = list(registrations)
    return {
        "registered": any(r.is_active for r in rows),
        "declined": any(r.status == Registration.Status.REJECTED for r in rows),
    }


def cancel_refusal(registration: Registration, *, by_organizer: bool = False, now: datetime | None = None) -> str | None:
    """Why ``registration`` may not be cancelled (a reason code); None when it may.

    Participants cancel until the event starts; organizers any time.
    """
    if not registration.is_active:
        return INACTIVE
    starts = registration.event.starts_at
    if not by_organizer and starts is not None and starts <= (now or timezone.now()):
        return STARTED
    return None


def refusal_message(code: str) -> str:
    """The reason in the reader's language."""
    messages = {
        CANCELLED: _("This event has been cancelled."),
        DRAFT: _("This event is not open for registration."),
        NOT_OPEN: _("Registration has not opened yet."),
        CLOSED: _("Registration for this event is closed."),
        DUPLICATE: _("You are already registered for this event."),
        DECLINED: _(
            "The organizers have declined your registration for this event. Please contact them if you think "
            "this is a mistake."
        ),
        INACTIVE: _("This registration is no longer active."),
        STARTED: _("The event has already started; please contact the organizers."),
    }
    return messages[code]
