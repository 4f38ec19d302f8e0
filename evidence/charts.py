"""The dashboard's charts: pygal SVG built on the server, no JavaScript (``js=[]``), no request leaving the site.

Each chart draws numbers that the page also prints as a table (``evidence/tables.py``), so the
picture is never the only way to read them.
"""

from __future__ import annotations

import re

import pygal
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pygal.style import Style

from evidence.aggregates import Dashboard

STYLE = Style(
    background="white", plot_background="white", foreground="#222", foreground_strong="#000",
    foreground_subtle="#666", colors=("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad"),
    font_family="Noto Sans, DejaVu Sans, sans-serif",
)
COMMON = {"js": [], "style": STYLE, "width": 800, "height": 360, "disable_xml_declaration": False,
          "print_values": False, "legend_at_bottom": True, "show_legend": True}


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _bytes(chart) -> bytes:
    # pygal writes its config as an inline <script> even with js=[]; an image needs none.
    return _SCRIPT.sub("", chart.render(is_unicode=True)).encode("utf-8")


def city_chart(dashboard: Dashboard) -> bytes:
    chart = pygal.Bar(title=_("Participants and events per city"), x_label_rotation=20, **COMMON)
    chart.x_labels = [c.name for c in dashboard.cities]
    chart.add(_("Unique participants"), [c.unique_participants for c in dashboard.cities])
    chart.add(_("Events held"), [c.events for c in dashboard.cities])
    return _bytes(chart)


def rates_chart(dashboard: Dashboard) -> bytes:
    chart = pygal.Bar(title=_("Attendance and survey response rate per city (%)"), range=(0, 100),
                      x_label_rotation=20, **COMMON)
    chart.x_labels = [c.name for c in dashboard.cities]
    chart.add(_("Attendance rate"), [round(c.attendance_rate or 0, 1) for c in dashboard.cities])
    chart.add(_("Survey response rate"), [round(c.response_rate or 0, 1) for c in dashboard.cities])
    return _bytes(chart)


def trend_chart(dashboard: Dashboard) -> bytes:
    chart = pygal.Line(title=_("Trend over months"), x_label_rotation=20, **COMMON)
    chart.x_labels = [date_format(row["month"], "YEAR_MONTH_FORMAT") for row in dashboard.trend]
    chart.add(_("Events held"), [row["events"] for row in dashboard.trend])
    chart.add(_("Presences"), [row["attended"] for row in dashboard.trend])
    return _bytes(chart)


def options_chart(title: str, rows: list[tuple[str, int, float]]) -> bytes:
    """A survey question's answers (the rows of its results table) as horizontal bars."""
    chart = pygal.HorizontalBar(title=title, **{**COMMON, "show_legend": False, "height": 80 + 40 * len(rows)})
    chart.x_labels = [label for label, _count, _pct in rows]
    chart.add(_("Answers"), [count for _label, count, _pct in rows])
    return _bytes(chart)


CHARTS = {"cities": city_chart, "rates": rates_chart, "trend": trend_chart}
