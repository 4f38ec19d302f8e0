"""A survey's results as plain data, for the page, CSV and XLSX alike.

Nothing is shown for fewer than ``min_responses()`` responses (``SURVEY_MIN_RESPONSES``,
default 5, never below 3) — not counts, not free texts. Two aggregate queries per survey
whatever the number of responses, plus one for the free texts once above the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from surveys.forms import DONT_KNOW, OTHER
from surveys.models import Survey, SurveyAnswer, SurveyQuestion

Kind = SurveyQuestion.Kind


def min_responses() -> int:
    return max(3, int(getattr(settings, "SURVEY_MIN_RESPONSES", 5)))


@dataclass
class QuestionResult:
    question: SurveyQuestion
    label: str
    rows: list[tuple[str, int, float]] = field(default_factory=list)  # (option label, count, percent)
    average: float | None = None
    answered: int = 0
    texts: list[str] = field(default_factory=list)
    matrix: list[tuple[str, float | None, int]] = field(default_factory=list)  # (row label, average, answered)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    shown: bool
    questions: list[QuestionResult]


def survey_results(survey: Survey, *, language: str, with_texts: bool = True) -> SurveyResults:
    responses = survey.responses.count()
    if responses < min_responses():
        return SurveyResults(survey=survey, responses=responses, shown=False, questions=[])
    questions = list(survey.questions.all())
    answers = SurveyAnswer.objects.filter(question__survey=survey)
    counts: dict[tuple[int, str], int] = {}
    answered: dict[int, int] = {}
    for row in answers.values("question_id", "option").annotate(n=Count("id")):
        counts[(row["question_id"], row["option"])] = row["n"]
    for row in answers.values("question_id").annotate(r=Count("response", distinct=True)):
        answered[row["question_id"]] = row["r"]
    averages: dict[tuple[int, str], tuple[float | None, int]] = {}
    for row in answers.filter(number__isnull=False).values("question_id", "row").annotate(a=Avg("number"), n=Count("id")):
        averages[(row["question_id"], row["row"])] = (row["a"], row["n"])
    texts: dict[int, list[str]] = {}
    if with_texts:
        for qid, text in answers.exclude(text="").order_by("text").values_list("question_id", "text"):
            texts.setdefault(qid, []).append(text)
    results = []
    for q in questions:
        result = QuestionResult(question=q, label=q.label_for(language), answered=answered.get(q.pk, 0))
        base = result.answered or 1
        if q.kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO):
            options = list(q.options_for(language))
            if q.allow_other:
                options.append((OTHER, _("Other")))
            result.rows = [(label, counts.get((q.pk, oid), 0), 100 * counts.get((q.pk, oid), 0) / base)
                           for oid, label in options]
        elif q.kind in (Kind.SCALE5, Kind.SCALE10, Kind.NUMBER):
            result.average = averages.get((q.pk, ""), (None, 0))[0]
            if q.allow_dont_know:
                n = counts.get((q.pk, DONT_KNOW), 0)
                result.rows = [(pgettext("survey answer", "Don't know"), n, 100 * n / base)]
        elif q.kind == Kind.MATRIX:
            result.matrix = [(label, *averages.get((q.pk, rid), (None, 0))) for rid, label in q.rows_for(language)]
        if q.kind == Kind.TEXT or (q.allow_other and q.kind == Kind.SINGLE):
            result.texts = texts.get(q.pk, [])
        results.append(result)
    return SurveyResults(survey=survey, responses=responses, shown=True, questions=results)


def named_responses_table(survey: Survey, *, language: str) -> tuple[list[str], list[list]]:
    """Named surveys only: one row per answer with the respondent's name (they agreed to it)."""
    if not survey.named:
        return [], []
    header = [_("Name"), _("Question"), _("Answer")]
    questions = {q.pk: q for q in survey.questions.all()}
    rows = []
    answers = (SurveyAnswer.objects.filter(response__survey=survey, response__respondent__isnull=False)
               .select_related("response__respondent").order_by("response__respondent__full_name", "question__position"))
    for a in answers:
        q = questions[a.question_id]
        options = dict(q.options_for(language))
        value = a.text or options.get(a.option, a.option) or ("" if a.number is None else a.number)
        rows.append([a.response.respondent.full_name, q.label_for(language), value])
    return header, rows


def results_table(results: SurveyResults) -> tuple[list[str], list[list]]:
    """One flat table (question, answer, count, percent / average) for CSV and XLSX; no free texts."""
    header = [_("Question"), _("Answer"), _("Count"), _("Percent"), _("Average")]
    rows: list[list] = []
    for r in results.questions:
        for label, count, percent in r.rows:
            rows.append([r.label, label, count, round(percent, 1), None])
        if r.average is not None:
            rows.append([r.label, _("Average"), r.answered, None, round(r.average, 2)])
        for label, average, n in r.matrix:
            rows.append([r.label, label, n, None, None if average is None else round(average, 2)])
    return header, rows
