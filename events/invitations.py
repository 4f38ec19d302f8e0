"""Calendar invitations carried by emails (filled in by the calendar work)."""

from email.mime.text import MIMEText


def calendar_mime_part(method: str, ics_text: str) -> MIMEText:
    """A ``text/calendar; method=...`` MIME part whose method matches the iCalendar METHOD."""
    part = MIMEText(ics_text, "calendar", "utf-8")
    part.set_param("method", method)
    return part


def registration_invitation(*, registration, method: str) -> tuple[str, str] | None:
    """``(method, ics_text)`` for a registration's invitation email, or None."""
    return None
