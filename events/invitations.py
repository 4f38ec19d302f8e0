"""Calendar invitations carried by emails: iTIP REQUEST and CANCEL (RFC 5546).

``registration_invitation`` builds the text/calendar body for one participant;
``calendar_mime_part`` wraps it so the MIME ``method`` parameter matches the
METHOD inside, which Outlook and Gmail require before they offer the event.
"""

from datetime import datetime
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import ical
from events.models import Event, Registration, Session


class InvitationEmail(EmailMultiAlternatives):
    """An email whose calendar part is one of the body's alternatives, as iTIP over email expects.

    Outlook and Gmail offer "accept / add to calendar" for a ``text/calendar`` part that is an
    alternative of the text (``multipart/alternative``: text/plain, text/html, text/calendar),
    not for one attached beside it under ``multipart/mixed``. Other attachments (a PDF) still go
    under ``multipart/mixed`` around that.
    """

    def __init__(self, *args, calendar: MIMEText, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar_part = calendar

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not (msg.is_multipart() and msg.get_content_subtype() == "alternative"):
            body = msg
            msg = SafeMIMEMultipart(_subtype="alternative", encoding=self.encoding or settings.DEFAULT_CHARSET)
            msg.attach(body)
        msg.attach(self.calendar_part)
        return msg


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

