"""Calendar invitations carried by emails: iTIP REQUEST and CANCEL (RFC 5546).

``registration_invitation`` builds the text/calendar body for one participant;
``calendar_mime_part`` wraps it so the MIME ``method`` parameter matches the
METHOD inside, which Outlook and Gmail require before they offer the event.
"""

from email.mime.text import MIMEText

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from events import ical
from events.models import Event, Registration


def calendar_mime_part(method: str, ics_text: str) -> MIMEText:
    """A ``text/calendar; method=...`` MIME part whose method matches the iCalendar METHOD."""
    part = MIMEText(ics_text, "calendar", "utf-8")
    part.set_param("method", method)
    return part


def registration_invitation(*, registration: Registration, method: str) -> tuple[str, str] | None:
    """``(method, ics_text)`` for a registration's invitation email, or None when there is nothing to invite to.

    REQUEST puts every session in the participant's calendar (again, with a higher
    SEQUENCE, after a change); CANCEL takes them out. The UIDs are the feeds' UIDs,
    so an invitation and a subscription update the same calendar items.
    """
    if method not in ical.METHODS:
        raise ValueError(f"unsupported invitation method {method!r}")
    event = registration.event
    if event.status == Event.Status.DRAFT:
        return None
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

