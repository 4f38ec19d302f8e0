"""Objects in, PDF bytes out: the only module of the project that imports WeasyPrint.

Nothing here touches a request, the database's state or storage; callers load the
objects (with what they need already selected) and store or send the bytes.

Layout with WeasyPrint has a large fixed cost per document (style cascade, font
lookup, subsetting, PDF serialisation), so certificates are laid out many at a time
as ONE multi-page document and cut into one file per certificate with pypdf.
"""

from __future__ import annotations

import base64
import mimetypes
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from events.models import Registration, Session

_local = threading.local()


def _font_config() -> FontConfiguration:
    # A FontConfiguration is not safe to share between threads, but reusing it within
    # one thread keeps fontconfig's lookups warm from one document to the next.
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def _stylesheet(name: str) -> CSS:
    """A parsed stylesheet from static/certificates/, parsed once per thread."""
    cache = getattr(_local, "stylesheets", None)
    if cache is None:
        cache = _local.stylesheets = {}
    sheet = cache.get(name)
    if sheet is None:
        path = finders.find(f"certificates/{name}")
        if not path:
            raise FileNotFoundError(f"static/certificates/{name}")
        sheet = cache[name] = CSS(filename=path, font_config=_font_config())
    return sheet


def _render(html: str, stylesheet: str) -> bytes:
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[_stylesheet(stylesheet)],
        font_config=_font_config(),
        # Images (logos, signatures) are decoded once per document, not once per page.
        cache={},
    )


def file_data_uri(file: FieldFile | None) -> str:
    """An uploaded image as a data: URI, so rendering never depends on where storage lives."""
    if not file:
        return ""
    try:
        with file.open("rb") as fh:
            data = fh.read()
    except (FileNotFoundError, OSError, ValueError):
        # A logo that vanished from storage must not stop certificates from being issued.
        return ""
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return "data:%s;base64,%s" % (mime, base64.b64encode(data).decode("ascii"))


# Sign-in sheets ------------------------------------------------------------------------------

SIGNIN_BLANK_ROWS = 8


def signin_sheet_pdf(*, session: Session, registrations: Iterable[Registration]) -> bytes:
    """A4 portrait sheet to print and sign at the door, in the current language.

    ``registrations`` should come with ``select_related("user")``; only confirmed
    ones are listed, sorted by name, followed by blank rows for walk-ins.
    """
    from events.models import Registration

    event = session.event
    city = event.city
    people = sorted(
        (r for r in registrations if r.status == Registration.Status.CONFIRMED),
        key=lambda r: (r.user.display_name.casefold(), r.pk),
    )
    html = render_to_string(
        "certificates/signin_sheet.html",
        {
            "session": session,
            "event": event,
            "city": city,
            "registrations": people,
            "blank_rows": range(len(people) + 1, len(people) + 1 + SIGNIN_BLANK_ROWS),
            "logo": file_data_uri(city.logo),
            "LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    return _render(html, "signin_sheet.css")
