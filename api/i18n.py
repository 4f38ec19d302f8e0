"""Language of an API answer: ``?lang=`` first, then what the pages would pick; ``?lang=all`` for every translation.

Content texts come from ``Event.localized`` / ``Session.localized`` where the models have them
(the pages' one fallback chain); until then a text is its source column in the event's language.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

ALL = "all"


def requested_language(request) -> str:
    """A site language: ``?lang=`` (or its base language) when it is one, else the request's language."""
    codes = {code for code, _name in settings.LANGUAGES}
    raw = (request.query_params.get("lang") or "").strip().lower()
    if raw == ALL:
        return ALL
    for candidate in (raw, raw.split("-")[0]):
        if candidate in codes:
            return candidate
    return translation.get_language() or settings.LANGUAGE_CODE


def localized(obj, field: str, language: str, source_language: str) -> tuple[str, str]:
    """(text, the language it is in)."""
    method = getattr(obj, "localized", None)
    if callable(method):
        result = method(field, language)
        return result.text, result.language
    return getattr(obj, field) or "", source_language


def all_translations(obj, fields: tuple[str, ...], source_language: str) -> dict[str, dict[str, str]]:
    """{language: {field: text}}: the source texts and every stored translation."""
    result: dict[str, dict[str, str]] = {source_language: {field: getattr(obj, field) or "" for field in fields}}
    for code, values in (getattr(obj, "translations", None) or {}).items():
        if isinstance(values, dict) and code != source_language:
            texts = {field: values.get(field) or "" for field in fields if values.get(field)}
            if texts:
                result[code] = texts
    return result
