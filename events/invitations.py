"""Calendar invitations carried by emails: iTIP REQUEST and CANCEL (RFC 5546).

``registration_invitation`` builds the text/calendar body for one participant;
``calendar_mime_part`` wraps it so the MIME ``method`` parameter matches the
METHOD inside, which Outlook and Gmail require before they offer the event.
"""

from datetime import datetime
from email.mime.text import MIMEText

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import ical
from events.models import Event, Registration, Session


def calendar_mime_part(method: str, ics_text: str) -> MIMEText:
    """A ``text/calendar; method=...`` MIME part whose method matches the iCalendar METHOD."""
    part = MIMEText(ics_text, "calendar", "utf-8")
    part.set_param("method", method)
    return part


def withdrawn_sessions(*, event: Event, data: list[dict]) -> list[Session]:
    """Stand-ins for deleted sessions, built from what ``session_delete`` kept, for a CANCEL."""
    now = timezone.now()
    sessions = []
    for item in data:
        session = Session(
            pk=item["id"],
            event=event,
            title=item["title"],
            room=item["room"],
            starts_at=datetime.fromisoformat(item["starts_at"]),
            ends_at=datetime.fromisoformat(item["ends_at"]),
            sequence=item["sequence"],
        )
        session.created_at = datetime.fromisoformat(item["created_at"])
        session.updated_at = now
        sessions.append(session)
    return sorted(sessions, key=lambda s: (s.starts_at, s.pk))


def registration_invitation(
    *, registration: Registration, method: str, sessions: list[Session] | None = None
) -> tuple[str, str] | None:
    """``(method, ics_text)`` for a registration's invitation email, or None when there is nothing to invite to.

    REQUEST puts every session in the participant's calendar (again, with a higher
    SEQUENCE, after a change); CANCEL takes them out. The UIDs are the feeds' UIDs,
    so an invitation and a subscription update the same calendar items. ``sessions``
    limits it to some sessions (a CANCEL for deleted ones, see ``withdrawn_sessions``).
    """
    if method not in ical.METHODS:
        raise ValueError(f"unsupported invitation method {method!r}")
    event = registration.event
    if event.status == Event.Status.DRAFT:
        return None
    if sessions is None:
        # Uses the sessions a caller prefetched; otherwise one query.
        sessions = sorted(event.sessions.all(), key=lambda s: (s.starts_at, s.pk))
    if not sessions:
        return None
    for session in sessions:
        session.event = event
    user = registration.user
    declined = registration.status in (Registration.Status.CANCELLED, Registration.Status.REJECTED)
    status = ical.CONFIRMED if method == ical.REQUEST else ical.CANCELLED
    entries = [ical.Entry(s, status=status, changed_at=registration.updated_at) for s in sessions]
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        body = ical.invitation_file(
            entries,
            method=method,
            organizer=ical.Person(settings.EVENTS_NOREPLY_EMAIL, _("EPI Events")),
            attendee=ical.Person(user.email, user.display_name),
            partstat="DECLINED" if declined else "ACCEPTED",
            site_url=settings.SITE_URL,
        )
    return method, body.decode("utf-8")

