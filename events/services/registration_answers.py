"""The answers to an event's registration questions: checked and put in their stored form.

``validate_answers`` runs before the event lock is taken (it needs no count), so a
long form never makes the queue behind the lock wait.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from events.models import Event, Question
from events.registration_policy import RegistrationError

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000


def _is_blank(value: object) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def clean_answer(question: Question, value: object) -> object:
    """The stored form of one answer, or ValueError with a message for the user."""
    kind = question.kind
    allowed = {str(choice.get("value")) for choice in question.choices or [] if isinstance(choice, dict)}
    if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        if not isinstance(value, str):
            raise ValueError(_("Please type your answer as text."))
        value = value.strip()
        limit = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
        if len(value) > limit:
            raise ValueError(_("Please keep your answer under %(limit)d characters.") % {"limit": limit})
        return value
    if kind == Question.Kind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(_("Please choose one of the offered answers."))
        return value
    if kind == Question.Kind.MULTIPLE_CHOICE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            raise ValueError(_("Please choose among the offered answers."))
        if set(value) - allowed:
            raise ValueError(_("Please choose among the offered answers."))
        # Keep the organizer's order, once each.
        order = [str(choice.get("value")) for choice in question.choices if isinstance(choice, dict)]
        return [option for option in order if option in set(value)]
    if kind == Question.Kind.YES_NO:
        if not isinstance(value, bool):
            raise ValueError(_("Please answer yes or no."))
        return value
    raise ValueError(_("This question cannot be answered."))


def validate_answers(
    *, event: Event, answers: dict[int, object] | None, require_all: bool, questions: Iterable[Question] | None = None
) -> list[tuple[Question, object]]:
    answers = dict(answers or {})
    if questions is None:
        questions = Question.objects.filter(event=event)
    # Only this event's questions count, whatever the caller passed.
    questions = {q.pk: q for q in questions if q.event_id == event.pk}
    errors: dict[int, str] = {}
    unknown = []
    for key in answers:
        try:
            qid = int(key)
        except (TypeError, ValueError):
            unknown.append(key)
            continue
        if qid not in questions:
            unknown.append(key)
    if unknown:
        raise RegistrationError(
            _("Some answers do not belong to this event's questions. Please reload the form and try again."),
            code="answers",
        )
    by_id = {int(k): v for k, v in answers.items()}
    cleaned: list[tuple[Question, object]] = []
    for qid, question in questions.items():
        value = by_id.get(qid)
        if _is_blank(value):
            if question.required and require_all:
                errors[qid] = _("This question needs an answer.")
            continue
        try:
            cleaned.append((question, clean_answer(question, value)))
        except ValueError as exc:
            errors[qid] = str(exc)
    if errors:
        raise RegistrationError(_("Please check your answers."), code="answers", field_errors=errors)
    return cleaned
