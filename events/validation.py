"""Bounds on what people can type: dates, control characters and lengths, in one place.

Every form of the site inherits ``CleanInputMixin`` (through ``SafeForm`` / ``SafeModelForm``)
and every date a person chooses is checked against ``EARLIEST_DATE`` … ``LATEST_DATE`` by the
models too, so the services refuse what the forms refuse. Paths and query strings are checked
by ``events.middleware.ControlCharacterMiddleware`` before any view runs.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Far enough for any programme, near enough that a shift to UTC or by two years never leaves
# the calendar (year 1 or 9999) nor the range PostgreSQL stores.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)

# Lengths of free text typed into the site. Markdown is rendered once when saved, and its
# cost grows with its length, so Markdown fields are the shortest of the long texts.
MARKDOWN_MAX_LENGTH = 5_000
# The texts of an event in other languages, as JSON (admin and forms): ten languages of title
# (200), summary (300) and description (Markdown), with room for the keys.
TRANSLATIONS_JSON_MAX_LENGTH = 10 * (200 + 300 + MARKDOWN_MAX_LENGTH) + 2_000
MESSAGE_MAX_LENGTH = 2_000
SHORT_NOTE_MAX_LENGTH = 1_000

# C0 controls and DEL; tab, line feed and carriage return are ordinary parts of typed text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a path or a query string even tabs and line breaks are never meant.
URL_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_MESSAGE = _(
    "This contains invisible control characters (such as a NUL byte). Remove them and try again."
)


def _date_range_error() -> ValidationError:
    return ValidationError(
        _("Choose a date between %(earliest)s and %(latest)s."),
        code="out_of_range",
        params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
    )


def validate_programme_date(value: date) -> None:
    """A day (or an instant, read on its own clock) within the years the site plans for."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _date_range_error()


def has_control_characters(value) -> bool:
    if isinstance(value, str):
        return bool(CONTROL_CHARACTERS.search(value))
    if isinstance(value, list | tuple):
        return any(has_control_characters(item) for item in value)
    return False


def validate_no_control_characters(value) -> None:
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")



def _guarded(clean):
    """``field.clean`` refusing control characters before the field reads the value (or the database)."""

    def clean_checked(value, *args, **kwargs):
        validate_no_control_characters(value)
        return clean(value, *args, **kwargs)

    clean_checked.guarded = True
    return clean_checked


class CleanInputMixin:
    """Refuse control characters in every field of the form, with a message next to the field.

    The check runs before each field's own cleaning, so a choice or lookup field never sends
    a NUL byte to the database (PostgreSQL refuses them). Fields added in a subclass's
    ``__init__`` are covered too: the guard is put on when the form is cleaned.
    """

    def full_clean(self):
        for field in self.fields.values():
            if not getattr(field.clean, "guarded", False):
                field.clean = _guarded(field.clean)
        super().full_clean()


class SafeForm(CleanInputMixin, forms.Form):
    pass


class SafeModelForm(CleanInputMixin, forms.ModelForm):
    pass
