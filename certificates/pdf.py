"""Objects in, PDF bytes out: the only module of the project that imports WeasyPrint.

Nothing here touches a request, the database's state or storage; callers load the
objects (with what they need already selected) and store or send the bytes.

Layout with WeasyPrint has a large fixed cost per document (style cascade, font
lookup, subsetting, PDF serialisation), so certificates are laid out many at a time
as ONE multi-page document, then each page is written as its own file.
"""

from __future__ import annotations

import base64
import copy
import mimetypes
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from math import ceil
from typing import TYPE_CHECKING

import pypdf
import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.document import Document, DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from certificates.wording import kind_sentence

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from certificates.models import Certificate
    from events.models import City, Registration, Session

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


def _render(html: str, stylesheet: str, **options) -> bytes:
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[_stylesheet(stylesheet)],
        font_config=_font_config(),
        # Images (logos, signatures) are decoded once per document, not once per page.
        cache={},
        **options,
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
    ones are listed, sorted by name as the event's language sorts it, followed by blank
    rows for walk-ins; the totals and the trainer's signature stay with the last rows.
    """
    from events.models import Registration

    event = session.event
    city = event.city
    from events.collation import name_sort_key

    # Collated in the session's language: Åsa with the A's, Łucja with the L's (see events.collation).
    people = sorted(
        (r for r in registrations if r.status == Registration.Status.CONFIRMED),
        key=lambda r: (name_sort_key(r.user.display_name, event.language), r.pk),
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
    # Tagged (PDF/A-3a: structure tree, /Lang, displayed title) so screen readers read it in order.
    return _render(html, "signin_sheet.css", pdf_variant="pdf/a-3a", pdf_tags=True)


# Certificates ---------------------------------------------------------------------------------


class CertificateLayoutError(RuntimeError):
    """The layout did not give exactly one page per certificate."""


QR_QUIET_ZONE = 4


def qr_image(url: str) -> str:
    """The URL as a QR code: a PNG data: URI of one pixel per module, sized by the stylesheet.

    A bitmap, not an SVG: WeasyPrint parses an SVG path and writes each of its few hundred
    runs into the page's content stream, which cost more per certificate than the tagging;
    a 45 × 45 PNG is one image. The stylesheet draws it with ``image-rendering: pixelated``
    (``/Interpolate false``, which PDF/A requires anyway), so the modules stay sharp squares
    at any zoom and on paper.
    """
    # A fixed mask skips segno's evaluation of all eight (pure Python, most of its time);
    # any mask gives a valid code, scanners do not care which.
    # border=4: the quiet zone of four light modules that ISO/IEC 18004 asks for.
    return segno.make(url, error="m", micro=False, mask=4).png_data_uri(
        scale=1, border=QR_QUIET_ZONE, dark="#1d2433"
    )


def _city_assets(city: City, cache: dict[int, dict[str, str]]) -> dict[str, str]:
    assets = cache.get(city.pk)
    if assets is None:
        assets = cache[city.pk] = {
            "logo": file_data_uri(city.logo),
            "signature": file_data_uri(city.signature_image),
        }
    return assets


def _lookup_url() -> str:
    """The verification page's address without scheme, as people type it."""
    url = settings.SITE_URL + reverse("certificates:verify_lookup")
    return url.split("://", 1)[-1]


def _density(certificate: Certificate) -> str:
    """How tightly to set the text so long names, titles or closing texts stay on the page.

    WeasyPrint cannot shrink text to fit, so the number of lines is estimated from
    generous characters-per-line figures of the normal layout (A4 landscape, the fonts
    of certificate.css): each extra line moves the page one step tighter.
    """
    closing_lines = sum(ceil(max(len(line), 1) / 130) for line in certificate.closing_text.splitlines()) or 0
    extra = (
        2 * (ceil(len(certificate.holder_name) / 38) - 1)
        + (ceil(len(certificate.event_title) / 75) - 1)
        + (ceil(len(", ".join(certificate.trainer_names)) / 110) - 1 if certificate.trainer_names else 0)
        + max(0, closing_lines - 2)
    )
    if extra <= 0:
        return ""
    return "compact" if extra <= 3 else "dense"


def _pages(certificates: Sequence[Certificate]) -> list[dict]:
    assets: dict[int, dict[str, str]] = {}
    lookup_url = _lookup_url()
    pages = []
    for certificate in certificates:
        city = certificate.event.city
        with translation.override(certificate.language):
            sentence = kind_sentence(certificate)
        pages.append(
            {
                "certificate": certificate,
                # Inside one translatable sentence, kept apart for their emphasis.
                "holder_html": format_html('<span class="holder">{}</span>', certificate.holder_name),
                "title_html": format_html('<span class="event-title">{}</span>', certificate.event_title),
                "kind_sentence": sentence,
                "city": city,
                "qr": qr_image(certificate.verification_url),
                "lookup_url": lookup_url,
                "density": _density(certificate),
                # The day of issue on the issuing city's calendar, not UTC's.
                "issued_on": timezone.localtime(certificate.issued_at, city.tzinfo).date(),
                **_city_assets(city, assets),
            }
        )
    return pages


def _document_html(certificates: Sequence[Certificate]) -> str:
    first = certificates[0]
    return render_to_string(
        "certificates/certificate.html",
        {
            "pages": _pages(certificates),
            "document_language": first.language,
            "languages": sorted({c.language for c in certificates}),
            "first": first,
        },
    )


def certificate_title(certificate: Certificate) -> str:
    with translation.override(certificate.language):
        return "%s · %s · %s" % (
            translation.gettext("Certificate of attendance"),
            certificate.holder_name,
            certificate.number,
        )


def certificate_author(certificate: Certificate) -> str:
    return certificate.signatory_name or certificate.city_name


def _file_metadata(document: Document, certificate: Certificate) -> DocumentMetadata:
    metadata = copy.copy(document.metadata)
    metadata.title = certificate_title(certificate)
    metadata.authors = [certificate_author(certificate)]
    metadata.generator = "EPI Events"
    metadata.lang = certificate.language
    return metadata


def certificate_pdf(certificate: Certificate) -> bytes:
    """One certificate as its own document: simple, and the slow way for many of them."""
    return certificates_pdfs([certificate])[0]


def certificates_pdfs(certificates: Sequence[Certificate]) -> list[bytes]:
    """Many certificates as one PDF each, in the same order (see ``certificates_files``)."""
    return [file.data for file in certificates_files(certificates)]


@dataclass(frozen=True, slots=True)
class CertificateFile:
    data: bytes
    # Characters the file prints as empty boxes (no installed font has them); empty when all print.
    missing: frozenset[str]


def certificates_files(certificates: Sequence[Certificate]) -> list[CertificateFile]:
    """Many certificates laid out as ONE document and written as one PDF each, in the same order.

    Each page carries its own language (``{% language %}`` in the template), and each
    resulting file gets its own title, author and language in its metadata. The layout
    (the costly part) is shared; each file is then written from its own page alone, so its
    fonts are subset to the glyphs of that page only — a file never carries the letters of
    other holders' names. Callers bound the group size: memory follows the size of one
    document.
    """
    if not certificates:
        return []
    document = HTML(string=_document_html(certificates), base_url=str(settings.BASE_DIR)).render(
        stylesheets=[_stylesheet("certificate.css")],
        font_config=_font_config(),
        cache={},
    )
    if len(document.pages) != len(certificates):
        raise CertificateLayoutError(
            "%d certificates laid out on %d pages" % (len(certificates), len(document.pages))
        )
    files = []
    for page, certificate in zip(document.pages, certificates, strict=True):
        # copy() starts with no fonts: the ones this page draws are collected (and subset) anew.
        single = document.copy([page])
        single.metadata = _file_metadata(document, certificate)
        # Tagged PDF/A-3a (structure tree, /Lang, displayed title), with the signed
        # credential as an associated file when the certificate has one.
        data = single.write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            attachments=[_credential_attachment(certificate)] if certificate.credential_jwt else [],
            finisher=_unique_associated_files,
        )
        files.append(CertificateFile(data=data, missing=_missing_in(single)))
    return files


# Missing glyphs -------------------------------------------------------------------------------

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFCHAR_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


def _missing_in(document: Document) -> frozenset[str]:
    """The characters a just-written document drew with no glyph, from WeasyPrint's own fonts.

    What ``missing_characters`` reads back from the file, known without parsing it again
    (that parse cost more per certificate than tagging): WeasyPrint gives each character
    no font covers a glyph id past the font's last one (``Font.missing``), and a glyph
    id 0 is .notdef.
    """
    missing: set[str] = set()
    for font in document.fonts.values():
        missing.update(map(chr, font.missing))
        missing.update(font.to_unicode.get(0, ""))
    return frozenset(ch for ch in missing if not ch.isspace())


def missing_characters(data: bytes) -> set[str]:
    """Characters a rendered PDF prints as empty boxes, because no installed font has them.

    Read from the file itself, so it holds whatever font fell back to what: every
    embedded font maps its glyph ids to text (ToUnicode); a glyph id at or beyond the
    number of glyphs in the embedded font file (or .notdef, id 0) has no outline — that is
    how WeasyPrint, HarfBuzz's subsetter and fontTools all write a character no font covers.
    """
    missing: set[str] = set()
    reader = pypdf.PdfReader(BytesIO(data))
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            to_unicode = font.get("/ToUnicode")
            descendants = font.get("/DescendantFonts")
            if to_unicode is None or not descendants:
                continue
            descriptor = descendants[0].get_object().get("/FontDescriptor", {})
            stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            glyphs = _glyph_count(stream.get_object().get_data()) if stream is not None else None
            for block in _BFCHAR.findall(to_unicode.get_object().get_data()):
                for cid, text in _BFCHAR_PAIR.findall(block):
                    glyph = int(cid, 16)
                    if glyph == 0 or (glyphs is not None and glyph >= glyphs):
                        missing.update(bytes.fromhex(text.decode()).decode("utf-16-be", "replace"))
    return {ch for ch in missing if not ch.isspace()}


def _glyph_count(font_file: bytes) -> int | None:
    try:
        return TTFont(BytesIO(font_file), lazy=True)["maxp"].numGlyphs
    except Exception:  # an unreadable font says nothing about missing glyphs
        return None


# Certificates with their credential inside (PDF/A-3, tagged) ----------------------------------

PDF_VARIANT = "pdf/a-3a"


def credential_attachment_name(certificate: Certificate) -> str:
    return "%s.credential.jwt" % certificate.number


def _credential_attachment(certificate: Certificate, media_type: str = "application/vc+jwt"):
    from weasyprint import Attachment

    # A data: URL carries the MIME type into the embedded file's /Subtype.
    data = base64.b64encode(certificate.credential_jwt.encode("ascii")).decode("ascii")
    return Attachment(
        url="data:%s;base64,%s" % (media_type, data),
        name=credential_attachment_name(certificate),
        description="Open Badges 3.0 credential (VC-JWT)",
        relationship="Source",
        created=certificate.issued_at,
        modified=certificate.issued_at,
    )


def _unique_associated_files(document, pdf) -> None:
    # WeasyPrint 70 lists an attachment in the catalog's /AF twice (once from the
    # EmbeddedFiles name tree, once from the file specification); keep each once.
    files = pdf.catalog.get("AF")
    if files:
        unique = list(dict.fromkeys(files))
        files.clear()
        files.extend(unique)


def pdf_credential_attachment(data: bytes) -> str | None:
    """The signed credential a certificate PDF carries as an associated file, if any."""
    reader = pypdf.PdfReader(BytesIO(data))
    for name, contents in (reader.attachments or {}).items():
        if name.endswith(".credential.jwt") and contents:
            return contents[0].decode("ascii", errors="replace")
    return None

def report_pdf(*, html: str) -> bytes:
    """A report laid out from ready HTML (the evidence dashboard's, charts as data: SVG images), as PDF bytes.

    Pure like the rest of this module; it keeps WeasyPrint imported here only.
    """
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())
