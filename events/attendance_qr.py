"""QR codes for check-in, as SVG text for pages and emails (no request needed).

Always a full QR code, never a Micro QR: segno picks Micro QR for short content,
and neither phone cameras nor jsQR read it.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from events.models import Registration, Session


def _svg(content: str, *, title: str, css_class: str, document: bool = False) -> str:
    qr = segno.make_qr(content, error="m")
    # viewBox only, no width/height: the page decides the size; white background and the
    # quiet zone keep it readable on dark themes and screens.
    options = {
        "scale": 1, "border": 4, "omitsize": True, "dark": "#000", "light": "#fff", "title": title,
        "svgclass": css_class, "lineclass": None,
    }
    if not document:
        return qr.svg_inline(**options)
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, **options)  # with its namespace: a file of its own
    return out.getvalue().decode()


def registration_qr_svg(registration: Registration) -> str:
    """The participant's personal code as an SVG file, to show at the door (served on its own URL,
    so a page with many registrations draws none: ``registrations:checkin_qr``).

    It encodes the bare check-in code, which is what the trainer's scanner posts
    (static/js/checkin-scanner.js → ``attendance_checkin_by_code``)."""
    return _svg(
        registration.checkin_code,
        title=_("Your personal check-in code: %(code)s") % {"code": registration.checkin_code},
        css_class="qr qr-personal",
        document=True,
    )


def session_checkin_url(session: Session) -> str:
    """The absolute self check-in address a room's screen shows."""
    return settings.SITE_URL + reverse("attendance:self_checkin", kwargs={"code": session.checkin_code})


def session_qr_svg(session: Session) -> str:
    """The room screen's QR code: the self check-in address of the session."""
    return _svg(
        session_checkin_url(session),
        title=_("Check-in code of this session: %(code)s") % {"code": session.checkin_code},
        css_class="qr qr-room",
    )
