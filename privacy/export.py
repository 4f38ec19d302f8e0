"""Pure builder: a participant's data (tables of plain values) in, ZIP bytes out.

The ZIP holds ``data.json`` (everything, for machines), one CSV per table and
``index.html`` (for people), all UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def build_zip(tables: dict[str, list[dict]], *, title: str, generated_at: datetime) -> bytes:
    plain = {name: [{k: _plain(v) for k, v in row.items()} for row in rows] for name, rows in tables.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps({"generated_at": generated_at.isoformat(), "tables": plain}, ensure_ascii=False, indent=2),
        )
        for name, rows in plain.items():
            out = io.StringIO()
            columns = list(rows[0]) if rows else []
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row[c]) for c in columns])
            archive.writestr(f"{name}.csv", "\ufeff" + out.getvalue())
        html = render_to_string(
            "privacy/export_index.html",
            {
                "title": title,
                "generated_at": generated_at,
                "tables": [
                    (name, list(rows[0]) if rows else [], [[_cell(r[c]) for c in r] for r in rows])
                    for name, rows in plain.items()
                ],
            },
        )
        archive.writestr("index.html", html)
    return buffer.getvalue()
