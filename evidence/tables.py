"""The dashboard's figures as titled tables (header, rows): one source for the page, XLSX and PDF."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from events.models import Registration
from evidence.aggregates import CityFigures, Dashboard, ReachTable

LESS_THAN = "<5"


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]
    chart: str = ""  # the chart drawing the same numbers, if any
    caption: str = ""


def _pct(value):
    return None if value is None else round(value, 1)


def _rows(dashboard: Dashboard, make) -> list[list]:
    total = dashboard.total
    total.name = pgettext("all cities together", "All cities")
    return [make(c) for c in dashboard.cities] + [make(total)]


def dashboard_tables(dashboard: Dashboard) -> list[Table]:
    statuses = list(Registration.Status)

    def activity(c: CityFigures):
        return [c.name, c.events, c.sessions, round(c.session_hours, 1), round(c.training_hours, 1)]

    def registrations(c: CityFigures):
        return [c.name, *(c.registrations.get(s.value, 0) for s in statuses)]

    def participation(c: CityFigures):
        return [c.name, c.unique_participants, c.confirmed_ended, c.attended, _pct(c.attendance_rate), c.no_shows,
                _pct(c.no_show_rate), c.staff_trained, c.certificates_issued, c.certificates_revoked]

    def feedback(c: CityFigures):
        return [c.name, c.invited, c.answered, _pct(c.response_rate),
                None if c.satisfaction is None else round(c.satisfaction, 2), _pct(c.useful_percent)]

    tables = [
        Table("activity", _("Events and sessions"), [_("City"), _("Events held"), _("Sessions"), _("Session-hours"),
                                                      _("Training hours delivered")], _rows(dashboard, activity),
              chart="cities"),
        Table("registrations", _("Registrations by status"), [_("City"), *(str(s.label) for s in statuses)],
              _rows(dashboard, registrations)),
        Table("participation", _("Participation"), [
            _("City"), _("Unique participants"), _("Confirmed (ended events)"), _("Attended"), _("Attendance rate (%)"),
            _("No-shows"), _("No-show rate (%)"), _("City staff trained"), _("Certificates issued"),
            _("Certificates revoked")], _rows(dashboard, participation), chart="rates"),
        Table("feedback", _("Feedback surveys"), [_("City"), _("Invited"), _("Answered"), _("Response rate (%)"),
                                                  _("Satisfaction (1–5)"), _("Found it useful (%)")],
              _rows(dashboard, feedback)),
        Table("trend", _("Trend over months"), [_("Month"), _("Events held"), _("Sessions"), _("Presences")],
              [[date_format(r["month"], "YEAR_MONTH_FORMAT"), r["events"], r["sessions"], r["attended"]]
               for r in dashboard.trend], chart="trend"),
    ]
    return tables


def reach_tables(reach: list[ReachTable]) -> list[Table]:
    from privacy.models import DemographicProfile

    def shown(value):
        return LESS_THAN if value is None else value

    tables = []
    for table in reach:
        field = DemographicProfile._meta.get_field(table.item)
        labels = dict(field.choices)
        rows = [[r["name"], *(shown(v) for v in r["cells"]), shown(r["answered"]), r["of"]] for r in table.rows]
        tables.append(Table(
            f"reach-{table.item}", str(field.verbose_name),
            [_("City"), *(str(labels[c]) for c in table.categories), _("Answered"), _("Participants")], rows,
            caption=_("Only aggregates of people who agreed to answer; “<5” hides small numbers and any number "
                      "that would let one be worked out."),
        ))
    return tables
