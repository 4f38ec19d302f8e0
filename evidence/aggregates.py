"""The evidence dashboard's figures: plain functions, aggregate queries, a fixed number of them.

``dashboard_figures(filters)`` and ``reach_figures(filters)`` cost 16 queries together, whatever the
amount of data (measured by ``bench/dashboard.py``; tests count them). Other readers (the API's
evaluation aggregates) call these functions too, so they take and return plain data.

Definitions (docs/architecture.md, *Evidence dashboard*):
- an event counts when it is published and its first session starts in the period;
- participation figures (attendance, no-shows, unique participants, staff trained, survey
  response rate) count events that have ended;
- a *no-show* is a confirmed registration with no presence at any session;
- *city staff trained*: distinct participants with ``User.works_for_city`` (self-declared in the
  profile) present at a governance-area training;
- training hours: session-hours of trainings (kind ``training``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from certificates.models import Certificate
from events.models import Attendance, City, Event, Registration, Session
from surveys.core import MET_DIFFERENT, SATISFACTION, USEFUL
from surveys.models import SurveyAnswer, SurveyInvitation

# The demographic items shown as reach, in this order: (DemographicProfile field, choices class name).
REACH_ITEMS = ("moved_to_country", "years_in_country", "age_band", "gender")
# A reach row needs at least this many events behind it, so demographics are never those of one event.
REACH_MIN_EVENTS = 2


@dataclass(frozen=True)
class Filters:
    city_ids: frozenset[int] | None = None  # None: every city (platform admins)
    area: str = ""
    kind: str = ""
    start: date | None = None
    end: date | None = None  # inclusive


@dataclass
class CityFigures:
    city_id: int
    name: str
    events: int = 0
    sessions: int = 0
    session_hours: float = 0.0
    training_hours: float = 0.0
    registrations: dict[str, int] = field(default_factory=dict)
    confirmed_ended: int = 0
    attended: int = 0
    no_shows: int = 0
    unique_participants: int = 0
    staff_trained: int = 0
    certificates_issued: int = 0
    certificates_revoked: int = 0
    invited: int = 0
    answered: int = 0
    satisfaction: float | None = None
    satisfaction_n: int = 0
    useful_yes: int = 0
    useful_n: int = 0
    met_yes: int = 0
    met_n: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return 100 * self.no_shows / self.confirmed_ended if self.confirmed_ended else None

    @property
    def attendance_rate(self) -> float | None:
        return 100 * self.attended / self.confirmed_ended if self.confirmed_ended else None

    @property
    def response_rate(self) -> float | None:
        return 100 * self.answered / self.invited if self.invited else None

    @property
    def useful_percent(self) -> float | None:
        return 100 * self.useful_yes / self.useful_n if self.useful_n else None


@dataclass
class Dashboard:
    filters: Filters
    cities: list[CityFigures]
    total: CityFigures
    trend: list[dict]  # {"month": date, "events": n, "sessions": n, "attended": n}


def _bounds(filters: Filters) -> Q:
    q = Q(status=Event.Status.PUBLISHED)
    if filters.city_ids is not None:
        q &= Q(city_id__in=filters.city_ids)
    if filters.area:
        q &= Q(area=filters.area)
    if filters.kind:
        q &= Q(kind=filters.kind)
    if filters.start:
        q &= Q(starts_at__gte=timezone.make_aware(datetime.combine(filters.start, time.min), UTC))
    if filters.end:
        q &= Q(starts_at__lt=timezone.make_aware(datetime.combine(filters.end + timedelta(days=1), time.min),
                                                  UTC))
    return q


def events_in(filters: Filters):
    return Event.objects.filter(_bounds(filters))


def _hours(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000  # microseconds (SQLite)


def _confirmed_ended(filters: Filters, now: datetime):
    """Confirmed registrations of ended events."""
    return Registration.objects.filter(
        status=Registration.Status.CONFIRMED, event__in=events_in(filters).filter(ends_at__lte=now)
    )


def _present_registrations(filters: Filters, now: datetime):
    """Those of them present at one session at least (a semi-join: one pass over attendance)."""
    present = Attendance.objects.filter(present=True).values("registration_id")
    return _confirmed_ended(filters, now).filter(pk__in=present)


def dashboard_figures(filters: Filters, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    events = events_in(filters)
    cities_qs = City.objects.order_by("name")
    if filters.city_ids is not None:
        cities_qs = cities_qs.filter(pk__in=filters.city_ids)
    by_city = {c.pk: CityFigures(city_id=c.pk, name=c.name) for c in cities_qs}  # 1
    total = CityFigures(city_id=0, name="")

    def each(city_id):
        return by_city.get(city_id)

    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    for row in (  # 2
        Session.objects.filter(event__in=events).values("event__city")
        .annotate(events=Count("event", distinct=True), sessions=Count("id"), seconds=Sum(duration),
                  training=Sum(duration, filter=Q(event__kind=Event.Kind.TRAINING)))
        .order_by()
    ):
        fig = each(row["event__city"])
        if fig:
            fig.events, fig.sessions = row["events"], row["sessions"]
            fig.session_hours, fig.training_hours = _hours(row["seconds"]), _hours(row["training"])
    for row in (  # 3
        Registration.objects.filter(event__in=events).values("event__city", "status").annotate(n=Count("id")).order_by()
    ):
        fig = each(row["event__city"])
        if fig:
            fig.registrations[row["status"]] = row["n"]
    present = _present_registrations(filters, now)
    staff = Q(event__area=Event.Area.GOVERNANCE, event__kind=Event.Kind.TRAINING, user__works_for_city=True)
    for row in _confirmed_ended(filters, now).values("event__city").annotate(n=Count("id")).order_by():  # 4
        fig = each(row["event__city"])
        if fig:
            fig.confirmed_ended = row["n"]
    for row in (  # 5
        present.values("event__city").annotate(
            present=Count("id"), unique=Count("user", distinct=True), staff=Count("user", distinct=True, filter=staff),
        ).order_by()
    ):
        fig = each(row["event__city"])
        if fig:
            fig.attended, fig.unique_participants, fig.staff_trained = row["present"], row["unique"], row["staff"]
    for fig in by_city.values():
        fig.no_shows = fig.confirmed_ended - fig.attended
    overall = present.aggregate(  # 6: a person present in two cities is one participant in the total
        unique=Count("user", distinct=True), staff=Count("user", distinct=True, filter=staff)
    )
    for row in (  # 6
        Certificate.objects.filter(event__in=events).exclude(status=Certificate.Status.SUPERSEDED)
        .values("event__city").annotate(n=Count("id"), revoked=Count("id", filter=Q(status=Certificate.Status.REVOKED)))
        .order_by()
    ):
        fig = each(row["event__city"])
        if fig:
            fig.certificates_issued, fig.certificates_revoked = row["n"], row["revoked"]
    for row in (  # 7
        SurveyInvitation.objects.filter(survey__event__in=events, user__isnull=False)
        .values("survey__event__city").annotate(n=Count("id"), answered=Count("id", filter=Q(answered=True)))
        .order_by()
    ):
        fig = each(row["survey__event__city"])
        if fig:
            fig.invited, fig.answered = row["n"], row["answered"]
    core = SurveyAnswer.objects.filter(question__survey__event__in=events, question__core=True)
    for row in (  # 8
        core.values("question__survey__event__city").annotate(
            sat=Avg("number", filter=Q(question__key=SATISFACTION)),
            sat_n=Count("id", filter=Q(question__key=SATISFACTION, number__isnull=False)),
            useful_yes=Count("id", filter=Q(question__key=USEFUL, option="yes")),
            useful_n=Count("id", filter=Q(question__key=USEFUL)),
            met_yes=Count("id", filter=Q(question__key=MET_DIFFERENT, option="yes")),
            met_n=Count("id", filter=Q(question__key=MET_DIFFERENT)),
        ).order_by()
    ):
        fig = each(row["question__survey__event__city"])
        if fig:
            fig.satisfaction, fig.satisfaction_n = row["sat"], row["sat_n"]
            fig.useful_yes, fig.useful_n, fig.met_yes, fig.met_n = (
                row["useful_yes"], row["useful_n"], row["met_yes"], row["met_n"])
    cities = list(by_city.values())
    for name in ("events", "sessions", "session_hours", "training_hours", "confirmed_ended", "attended", "no_shows",
                 "certificates_issued", "certificates_revoked", "invited", "answered", "satisfaction_n", "useful_yes",
                 "useful_n", "met_yes", "met_n"):
        setattr(total, name, sum(getattr(c, name) for c in cities))
    for c in cities:
        for status, n in c.registrations.items():
            total.registrations[status] = total.registrations.get(status, 0) + n
    total.unique_participants, total.staff_trained = overall["unique"] or 0, overall["staff"] or 0
    weighted = [(c.satisfaction, c.satisfaction_n) for c in cities if c.satisfaction is not None]
    n = sum(w for _v, w in weighted)
    total.satisfaction = sum(v * w for v, w in weighted) / n if n else None
    return Dashboard(filters=filters, cities=cities, total=total, trend=trend(filters, now=now))


def trend(filters: Filters, *, now: datetime | None = None) -> list[dict]:
    """Per month (UTC) of the first session: events, sessions and presences. Queries 9–10."""
    months: dict[date, dict] = defaultdict(lambda: {"events": 0, "sessions": 0, "attended": 0})
    events = events_in(filters)
    for row in events.annotate(month=TruncMonth("starts_at")).values("month").annotate(
        n=Count("id", distinct=True), sessions=Count("sessions")
    ).order_by():
        key = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        months[key]["events"], months[key]["sessions"] = row["n"], row["sessions"]
    for row in (
        Attendance.objects.filter(present=True, registration__status=Registration.Status.CONFIRMED,
                                  session__event__in=events)
        .annotate(month=TruncMonth("session__event__starts_at")).values("month").annotate(n=Count("id")).order_by()
    ):
        key = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        months[key]["attended"] = row["n"]
    return [{"month": month, **values} for month, values in sorted(months.items())]


@dataclass
class ReachTable:
    item: str
    categories: list[str]
    rows: list[dict]  # {"city_id", "name", "cells": [int|None], "answered": int|None, "of": int}
    total: dict


def reach_figures(filters: Filters, *, threshold: int = 5, now: datetime | None = None) -> list[ReachTable]:
    """Demographics of those present, as suppressed aggregates per city; never per event.

    One query for the people behind each city (participants, events), one per item. Only
    ``DemographicProfile`` rows exist for people whose consent is active (withdrawal deletes them).
    """
    from evidence.suppression import suppress_row
    from privacy.models import DemographicProfile

    now = now or timezone.now()
    present = _present_registrations(filters, now)
    people = {  # 1
        row["event__city"]: row
        for row in present.values("event__city", "event__city__name").annotate(
            n=Count("user", distinct=True), events=Count("event", distinct=True)
        ).order_by("event__city__name")
        if row["events"] >= REACH_MIN_EVENTS
    }
    tables = []
    for item in REACH_ITEMS:  # 2–5
        choices = DemographicProfile._meta.get_field(item).choices
        categories = [value for value, _label in choices]
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        lookup = f"user__demographics__{item}"
        for row in present.filter(event__city__in=list(people)).exclude(**{lookup: ""}).exclude(
            **{f"{lookup}__isnull": True}
        ).values("event__city", lookup).annotate(n=Count("user", distinct=True)).order_by():
            counts[row["event__city"]][row[lookup]] = row["n"]
        city_ids = list(people)
        cells = [[counts[cid].get(cat, 0) for cat in categories] for cid in city_ids]
        # Each city's row stands alone: no "all cities" row, whose column totals would tie the rows
        # together and let a hidden cell be pinned (see evidence/suppression.py).
        published = [suppress_row(row, threshold) for row in cells]
        rows = [
            {"city_id": cid, "name": people[cid]["event__city__name"], "cells": published[i][:-1],
             "answered": published[i][-1], "of": people[cid]["n"]}
            for i, cid in enumerate(city_ids)
        ]
        tables.append(ReachTable(item=item, categories=categories, rows=rows, total={}))
    return tables
