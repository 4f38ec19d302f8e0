"""Respondents' and organizers' survey pages. Changes go through ``surveys.services.surveys``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import exports
from events import permissions as event_permissions
from events.models import Event, Session
from surveys import permissions
from surveys.forms import QuestionAddForm, SurveyForm, SurveySettingsForm
from surveys.models import Survey
from surveys.results import min_responses, named_responses_table, results_table, survey_results
from surveys.services import surveys as services

WALK_IN_SESSION_KEY = "survey_walk_in_tokens"


def _private(response):
    response["Cache-Control"] = "private, no-store"
    # The token stays out of links to other sites; same-origin keeps the form's Origin for CSRF.
    response["Referrer-Policy"] = "same-origin"
    return response


def respond(request, token: str):
    """The personal (or one-use) link: no login needed, the token is the key."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    survey = invitation.survey
    event = survey.event
    language = get_language() or event.language
    context = {"survey": survey, "event": event}
    if invitation.answered:
        return _private(render(request, "surveys/thanks.html", {**context, "already": True}))
    if not survey.is_open:
        return _private(render(request, "surveys/closed.html", context, status=410))
    questions = list(survey.questions.all())
    form = SurveyForm(request.POST or None, questions=questions, language=language, named=survey.named)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(
                token=token, answers=form.answer_values(), language=language,
                named_confirmed=bool(form.cleaned_data.get("named_confirmed")),
            )
        except services.SurveyError as error:
            messages.error(request, str(error))
        else:
            return redirect("surveys:respond", token=token)
    return _private(render(request, "surveys/respond.html", {**context, "form": form}))


def walk_in(request, session_pk: int):
    """The room screen's QR code: each visitor gets their own one-use link (kept in their session)."""
    session = get_object_or_404(Session.objects.select_related("event"), pk=session_pk)
    survey = Survey.objects.filter(event=session.event).first()
    if survey is None or not survey.is_open:
        raise Http404
    tokens = request.session.get(WALK_IN_SESSION_KEY, {})
    token = tokens.get(str(survey.pk))
    if token is None:
        token = services.walk_in_link_create(survey=survey).token
        tokens[str(survey.pk)] = token
        request.session[WALK_IN_SESSION_KEY] = tokens
    return redirect("surveys:respond", token=token)


def _managed(request, pk: int) -> Event:
    # 404 for a draft the user may not see (its existence is private), 403 otherwise.
    return event_permissions.access_event(request.user, pk, need=permissions.can_manage_survey)


@login_required
def manage(request, pk: int):
    event = _managed(request, pk)
    survey = services.survey_ensure(event=event)
    form = SurveySettingsForm(request.POST or None, initial={
        "open_days": survey.open_days, "named": survey.named,
        "first_reminder_days": survey.first_reminder_days, "second_reminder_days": survey.second_reminder_days,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(survey=survey, **form.cleaned_data)
        except services.SurveyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The survey settings are saved."))
            return redirect("surveys:manage", pk=event.pk)
    language = get_language() or ""
    questions = [(q, q.label_for(language)) for q in survey.questions.all()]
    return render(request, "surveys/manage.html", {
        "event": event, "survey": survey, "form": form, "questions": questions,
        "add_form": QuestionAddForm(), "responses": survey.responses.count(),
        "invited": survey.invitations.filter(user__isnull=False).count(),
    })


@login_required
@require_POST
def question_add_view(request, pk: int):
    event = _managed(request, pk)
    survey = services.survey_ensure(event=event)
    form = QuestionAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_add(
                survey=survey, kind=data["kind"], label=data["label"], options=data["options"].splitlines(),
                rows=data["rows"].splitlines(), allow_other=data["allow_other"],
                allow_dont_know=data["allow_dont_know"], required=data["required"],
                label_translations=data["translations"],
            )
        except services.SurveyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The question is added."))
    else:
        messages.error(request, _("Check the question: the kind and the question are needed."))
    return redirect("surveys:manage", pk=event.pk)


@login_required
@require_POST
def open_now(request, pk: int):
    event = _managed(request, pk)
    services.survey_open(survey=services.survey_ensure(event=event))
    messages.success(request, _("The survey is open; participants are being invited."))
    return redirect("surveys:manage", pk=event.pk)


def _results_event(request, pk: int) -> tuple[Event, Survey]:
    event = get_object_or_404(Event.objects.select_related("city"), pk=pk)
    if not request.user.is_authenticated or not permissions.can_see_results(request.user, event):
        # Another city's results do not exist for this user.
        raise Http404
    survey = Survey.objects.filter(event=event).first()
    if survey is None:
        raise Http404
    return event, survey


@login_required
def results(request, pk: int):
    event, survey = _results_event(request, pk)
    data = survey_results(survey, language=get_language() or "")
    return _private(render(request, "surveys/results.html", {
        "event": event, "survey": survey, "results": data, "threshold": min_responses(),
    }))


@login_required
def results_export(request, pk: int, fmt: str):
    event, survey = _results_event(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = survey_results(survey, language=get_language() or "", with_texts=False)
    if not data.shown:
        raise Http404
    header, rows = results_table(data)
    if fmt == "xlsx":
        sheets = [(_("Survey results"), header, rows)]
        if survey.named:
            sheets.append((_("Named responses"), *named_responses_table(survey, language=get_language() or "")))
        body, content_type = exports.tables_to_xlsx(sheets), exports.XLSX_MIMETYPE
    else:
        body, content_type = exports.table_to_csv(header, rows), exports.CSV_MIMETYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="survey-event-{event.pk}.{fmt}"'
    return _private(response)


@login_required
def results_chart(request, pk: int, question_pk: int):
    from evidence.charts import options_chart
    from evidence.views import CHART_CSP

    event, survey = _results_event(request, pk)
    data = survey_results(survey, language=get_language() or "", with_texts=False)
    result = next((r for r in data.questions if r.question.pk == question_pk and r.rows), None)
    if not data.shown or result is None:
        raise Http404
    response = HttpResponse(options_chart(result.label, result.rows), content_type="image/svg+xml")
    response["Content-Security-Policy"] = CHART_CSP
    return _private(response)
