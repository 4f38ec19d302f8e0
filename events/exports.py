"""Registrations as spreadsheets: pure builders from rows to CSV or XLSX bytes.

Every text cell goes through ``neutralise`` because names and answers are typed by
participants, and a spreadsheet program would run a cell like ``=HYPERLINK(...)`` as a
formula on the organizer's computer (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from events.models import Event, Question, Registration

# What spreadsheet programs read as the start of a formula or a control sequence.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def neutralise(value: Any) -> Any:
    """A text cell that cannot be taken for a formula: a leading trigger gets a quote before it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _choice_label(question: Question, value: str, language: str) -> str:
    for choice in question.choices or []:
        if choice.get("value") == value:
            return (choice.get("translations") or {}).get(language) or choice.get("label") or value
    # A value whose choice is gone still says what the participant picked.
    return value


def answer_text(question: Question, value: Any, language: str | None = None) -> str:
    """An answer as an organizer reads it, in ``language`` (the active one by default)."""
    language = language or get_language() or ""
    if value is None or value == "" or value == []:
        return ""
    if question.kind == Question.Kind.YES_NO or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else [value]
        return "; ".join(_choice_label(question, str(v), language) for v in values)
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return _choice_label(question, str(value), language)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def answers_by_question(registration: Registration) -> dict[int, Any]:
    """The registration's prefetched answers keyed by question id (no query when prefetched)."""
    return {answer.question_id: answer.value for answer in registration.answers.all()}


def registration_table(
    *, event: Event, registrations: Iterable[Registration], questions: Sequence[Question]
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: one row per registration, one column per question.

    Times are in the event city's zone, named in the header. ``registrations`` should come
    with ``user`` selected and ``answers`` prefetched (``registrations_for_admin``).
    """
    language = get_language() or ""
    tz = event.city.tzinfo
    header = [
        _("Name"),
        _("Email"),
        _("Status"),
        _("Waiting position"),
        _("Registered at (%(zone)s)") % {"zone": event.city.timezone},
        pgettext("registration source", "Source"),
        _("Cancellation reason"),
        *(question.label_for(language) for question in questions),
    ]
    rows = []
    for registration in registrations:
        answers = answers_by_question(registration)
        rows.append(
            [
                registration.user.full_name,
                registration.user.email,
                registration.get_status_display(),
                getattr(registration, "waiting_pos", None),
                timezone.localtime(registration.created_at, tz).replace(tzinfo=None),
                registration.get_source_display(),
                registration.cancel_reason,
                *(answer_text(question, answers.get(question.pk), language) for question in questions),
            ]
        )
    return header, rows


def table_to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, which is what makes Excel read accented names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.strftime(DATETIME_FORMAT)
        if value is None:
            return ""
        return neutralise(str(value))

    writer.writerow([cell(v) for v in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def table_to_xlsx(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    return tables_to_xlsx([(title, header, rows)])


def tables_to_xlsx(tables: Iterable[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    """One worksheet per ``(title, header, rows)``, with the same cell rules as a single table."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            # openpyxl refuses control characters that a pasted answer may carry.
            return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
        return value

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    used: set[str] = set()
    for title, header, rows in tables:
        name = _sheet_title(title)
        while name.lower() in used:
            name = name[:28] + f"~{len(used)}"
        used.add(name.lower())
        _fill_sheet(workbook.create_sheet(name), header, rows, cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill_sheet(sheet, header, rows, cell) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append([cell(v) for v in header])
    for item in sheet[1]:
        item.font = Font(bold=True)
    widths = [len(str(v)) for v in header]
    for row in rows:
        sheet.append([cell(v) for v in row])
        for index, value in enumerate(row):
            widths[index] = max(widths[index], 16 if isinstance(value, datetime) else len(str(value or "")))
    for row in sheet.iter_rows(min_row=2):
        for item in row:
            if isinstance(item.value, datetime):
                item.number_format = "yyyy-mm-dd hh:mm"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"


def _sheet_title(title: str) -> str:
    # Excel's limits for a worksheet name: 31 characters, none of []:*?/\
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Sheet")[:31]


def export_filename(*, event: Event, extension: str, day: date | None = None) -> str:
    """``registrations-event-12-2026-03-03.csv``: ASCII only, so every browser keeps it."""
    day = day or timezone.localtime(timezone.now(), event.city.tzinfo).date()
    return f"registrations-event-{event.pk}-{day.isoformat()}.{extension}"
