"""The wording of each consent and of the information notice, and its version.

A city may replace a wording (``ConsentText``: its own version, text and translations);
otherwise the built-in wording below applies, translated like every other string, with
``DEFAULT_VERSION``. Recording a consent stores the version shown, so a changed wording
never rewrites what someone agreed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from privacy.models import ConsentText, Purpose

DEFAULT_VERSION = "2026-1"
# The notice replaced the registration "consent" text of version 2026-11.
NOTICE_VERSION = "2026-12"

DEFAULT_TEXTS = {
    Purpose.LISTED: _(
        "Other participants of the events I attend may see my name in the list of participants."
    ),
    Purpose.PHOTOS: _(
        "I agree to appear in photos taken at the events I attend, which the city may publish to report on them."
    ),
    Purpose.INVITATIONS: _("The city may invite me by email to its future events."),
    Purpose.DEMOGRAPHICS: _(
        "I agree that my answers to the optional demographic questions (whether I moved to this country, "
        "for how long, my age band and gender) are kept to count, only in totals of five or more people, "
        "whom the programme reaches. Withdrawing deletes my answers."
    ),
    ConsentText.NOTICE: _(
        "The city organising this event processes your name, email address, answers to the registration "
        "questions and attendance to run the event, issue certificates and count participation for the "
        "European Pact for Integration. Registration answers are kept for 12 months after the event, sensitive "
        "answers for one month. You can see, download or delete your data on the “My data” page, and contact "
        "the city at any time."
    ),
}


@dataclass(frozen=True)
class Wording:
    kind: str
    version: str
    text: str


def _city_texts(city) -> dict:
    """The city's own wordings by kind, read once per city object: a registration page asks for
    the notice and each optional consent, which were a query each."""
    texts = getattr(city, "_consent_texts", None)
    if texts is None:
        texts = {row.kind: row for row in ConsentText.objects.filter(city=city)}
        city._consent_texts = texts
    return texts


def wording(kind: str, city=None, language: str | None = None) -> Wording:
    """What a participant reads for ``kind`` (a purpose or ``"notice"``) in ``city``, now."""
    language = language or translation.get_language()
    row = _city_texts(city).get(kind) if city is not None else None
    if row is not None:
        text = (row.text_translations or {}).get(language) or row.text
        return Wording(kind=kind, version=row.version, text=text)
    version = NOTICE_VERSION if kind == ConsentText.NOTICE else DEFAULT_VERSION
    with translation.override(language):
        return Wording(kind=kind, version=version, text=str(DEFAULT_TEXTS[kind]))
