"""The evidence dashboard: organizers see their cities, platform admins all; charts, XLSX and PDF report."""

from __future__ import annotations

import base64

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events import exports
from events.models import City, Event
from evidence.aggregates import Filters
from evidence.cache import figures
from evidence.charts import CHARTS
from evidence.tables import dashboard_tables, reach_tables
from surveys import permissions
from surveys.results import min_responses

CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"


class FilterForm(forms.Form):
    city = forms.ModelChoiceField(label=gettext_lazy("City"), queryset=City.objects.none(), required=False,
                                  empty_label=gettext_lazy("All my cities"))
    area = forms.ChoiceField(label=gettext_lazy("Strategy area"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, allowed: set[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        cities = City.objects.order_by("name")
        self.fields["city"].queryset = cities if allowed is None else cities.filter(pk__in=allowed)
        self.fields["area"].choices = [("", _("All areas")), *Event.Area.choices]
        self.fields["kind"].choices = [("", _("All kinds")), *Event.Kind.choices]


def _filters(request) -> tuple[FilterForm, Filters]:
    if not permissions.can_see_dashboard(request.user):
        raise PermissionDenied
    allowed = permissions.dashboard_city_ids(request.user)
    form = FilterForm(request.GET or None, allowed=allowed)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    city = data.get("city")
    city_ids = frozenset([city.pk]) if city else (None if allowed is None else frozenset(allowed))
    return form, Filters(city_ids=city_ids, area=data.get("area") or "", kind=data.get("kind") or "",
                         start=data.get("start"), end=data.get("end"))


def _context(request):
    form, filters = _filters(request)
    dashboard, reach, computed_at = figures(filters, threshold=min_responses())
    query = request.GET.urlencode()
    return {
        "form": form, "filters": filters, "dashboard": dashboard, "tables": dashboard_tables(dashboard),
        "reach_tables": reach_tables(reach), "query": query, "now": timezone.now(), "computed_at": computed_at,
    }


@login_required
def dashboard(request):
    context = _context(request)
    response = render(request, "evidence/dashboard.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def chart(request, name: str):
    builder = CHARTS.get(name)
    if builder is None:
        raise Http404
    _form, filters = _filters(request)
    dashboard, _reach, _at = figures(filters, threshold=min_responses())
    response = HttpResponse(builder(dashboard), content_type="image/svg+xml")
    # The SVG styles itself inline and runs nothing; as an image it could not anyway.
    response["Content-Security-Policy"] = CHART_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_xlsx(request):
    context = _context(request)
    sheets = [(t.title, t.header, t.rows) for t in context["tables"] + context["reach_tables"]]
    response = HttpResponse(exports.tables_to_xlsx(sheets), content_type=exports.XLSX_MIMETYPE)
    response["Content-Disposition"] = f'attachment; filename="evidence-{timezone.localdate().isoformat()}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_pdf(request):
    from certificates.pdf import report_pdf as build

    context = _context(request)
    charts = {name: "data:image/svg+xml;base64," + base64.b64encode(builder(context["dashboard"])).decode()
              for name, builder in CHARTS.items()}
    html = render_to_string("evidence/report.html", {**context, "charts": charts}, request=request)
    response = HttpResponse(build(html=html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evidence-{timezone.localdate().isoformat()}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def chart_url(name: str, query: str) -> str:
    url = reverse("evidence:chart", kwargs={"name": name})
    return f"{url}?{query}" if query else url
