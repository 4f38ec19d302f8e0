"""Content organizers write in several languages: picking the text to show, and normalising it for search.

The source text of a field lives in its own column (``Event.title``), in the row's source language
(``Event.language``). Translations live on the same row in one JSON column,
``translations = {language code: {field name: text}}`` (``Event`` and ``Session``); a question keeps
its own ``label_translations = {language code: text}``. Every place that shows such text asks
``pick_text`` (through ``Event.localized``, ``Session.localized``, ``Question.label_for`` or the
``localized`` template filter / ``localized_text`` tag), which follows one chain:

    the reader's language → its base language ("pt-br" → "pt") → the source language → English → any.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def base_language(code: str) -> str:
    return (code or "").split("-")[0].split("_")[0].lower()


@dataclass(frozen=True)
class LocalizedText:
    """A text and the language it is written in (empty text when the field is empty everywhere)."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def pick_text(
    *, source_text: str, source_language: str, translations: Mapping[str, str], language: str | None = None
) -> LocalizedText:
    """The best text for a reader of ``language`` (default: the active language), following the chain above."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    source_language = source_language or ""

    def text_in(code: str) -> str:
        if code == source_language:
            return source_text or ""
        return translations.get(code) or ""

    chain = [language, base_language(language), source_language, "en"]
    for code in chain:
        text = text_in(code)
        if text:
            return LocalizedText(text, code)
    # Any: site languages in their order first, then whatever else is stored, so the result is stable.
    order = [code for code, _name in settings.LANGUAGES]
    for code in [*order, *sorted(set(translations) - set(order))]:
        text = text_in(code)
        if text:
            return LocalizedText(text, code)
    return LocalizedText("", source_language)


def _language_info(code: str) -> dict:
    try:
        return translation.get_language_info(code)
    except KeyError:
        return {"bidi": False, "name_translated": code, "code": code}


@functools.lru_cache(maxsize=512)
def _marks(language: str, page: str) -> tuple[str, str]:
    """The ``lang``/``dir`` attributes and the note for ``language`` text on a ``page`` page (cached:
    a list shows the same few pairs many times)."""
    info = _language_info(language)
    bidi = bool(info.get("bidi"))
    if bidi != translation.get_language_bidi():
        attrs = format_html(' lang="{}" dir="{}"', language, "rtl" if bidi else "ltr")
    else:
        attrs = format_html(' lang="{}"', language)
    note = format_html(
        '<small class="content-language-note">{}</small>',
        _("Not available in your language. Shown in: %(language)s.") % {"language": info.get("name_translated")},
    )
    return attrs, note


class ShownText:
    """A localized text ready for a page: ``attrs`` go on the element holding it, ``note`` after it.

    When the text is not in the page's language, ``attrs`` is `` lang="…"`` (and `` dir="…"`` when
    the direction differs) and ``note`` says so, so screen readers pronounce it right.
    """

    def __init__(self, localized: LocalizedText):
        self.text, self.language = localized.text, localized.language
        page = translation.get_language() or ""
        # An unnamed language ("": a session read without its event) is not marked rather than marked wrong.
        self.foreign = bool(self.text and self.language) and base_language(self.language) != base_language(page)
        if not self.foreign:
            self.attrs = self.note = mark_safe("")
            return
        self.attrs, self.note = _marks(self.language, page)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def html(self, *, note: bool = True):
        """The text, inside ``<span lang>`` (and followed by the note) when it is in another language."""
        if not self.foreign:
            return format_html("{}", self.text)
        if note:
            return format_html("<span{}>{}</span> {}", self.attrs, self.text, self.note)
        return format_html("<span{}>{}</span>", self.attrs, self.text)


def field_translations(translations: Mapping[str, Mapping[str, str]] | None, field: str) -> dict[str, str]:
    """``{lang: text}`` of one field from a row's ``{lang: {field: text}}``."""
    return {
        code: values[field]
        for code, values in (translations or {}).items()
        if isinstance(values, Mapping) and values.get(field)
    }


# Search ------------------------------------------------------------------------------------------

# Letters NFKD does not decompose into a base letter and a mark, written as readers type them.
_UNDECOMPOSABLE = str.maketrans({
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t",
    "ı": "i", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "ẞ": "ss", "þ": "th", "Þ": "th",
    "ð": "d", "Ð": "d",
    # Arabic: the spellings a search box often gets instead (alef maksura / ya, ta marbuta / ha), and tatweel.
    "ى": "ي", "ة": "ه", "ـ": None,
})


def normalise_search(text: str) -> str:
    """Lower case, no accents or Arabic vowel marks, one space between words: what ``search_text`` holds.

    The same function turns a query into its search form, so SQLite and PostgreSQL compare the same
    strings with a plain ``LIKE``.
    """
    text = (text or "").translate(_UNDECOMPOSABLE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.casefold().translate(_UNDECOMPOSABLE)
    return " ".join(text.split())


def search_text_for(*texts: str) -> str:
    """Only texts, never language codes, so "sv" does not find every event with a Swedish translation."""
    parts = [normalise_search(text) for text in texts if text]
    return "\n".join(part for part in parts if part)


def search_terms(query: str) -> list[str]:
    return normalise_search(query).split()
