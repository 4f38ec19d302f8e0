"""The questions an event asks at registration: created, changed, moved and deleted by organizers.

Every change takes the event lock that ``registration_create`` writes answers under, so a
question cannot lose its "no answers yet" state between the check and the write.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.i18n import join_list
from events.models import Answer, Event, Question

CHOICE_KINDS = (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)
MAX_CHOICE_VALUE_LENGTH = 100
MAX_CHOICE_LABEL_LENGTH = 200
MAX_CHOICES = 50
# The organizer's "value|label|es=…" lines for MAX_CHOICES choices, with room for translations.
CHOICES_TEXT_MAX_LENGTH = 20_000


class QuestionError(Exception):
    """A question change that cannot be made; ``str()`` is a translated message for the organizer."""


def clean_label_translations(translations: dict[str, str] | None) -> dict[str, str]:
    """Only site languages, trimmed, empty ones dropped (``Question.label`` is the fallback)."""
    available = dict(settings.LANGUAGES)
    cleaned: dict[str, str] = {}
    for code, text in (translations or {}).items():
        if code not in available:
            raise QuestionError(_("“%(code)s” is not a language of this site.") % {"code": code})
        text = " ".join(str(text or "").split())
        if len(text) > Question._meta.get_field("label").max_length:
            raise QuestionError(_("The %(language)s translation is too long.") % {"language": available[code]})
        if text:
            cleaned[code] = text
    return cleaned


def clean_choices(*, kind: str, choices: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Validated choices for ``kind``: none for kinds without choices, at least two distinct otherwise."""
    if kind not in CHOICE_KINDS:
        return []
    available = dict(settings.LANGUAGES)
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    if len(choices or []) > MAX_CHOICES:
        raise QuestionError(
            ngettext(
                "A question can offer at most %(max)d choice.",
                "A question can offer at most %(max)d choices.",
                MAX_CHOICES,
            )
            % {"max": MAX_CHOICES}
        )
    for choice in choices or []:
        value = str(choice.get("value", "")).strip()
        label = " ".join(str(choice.get("label", "")).split()) or value
        if not value:
            raise QuestionError(_("Every choice needs a value."))
        if len(value) > MAX_CHOICE_VALUE_LENGTH:
            raise QuestionError(
                _("The value “%(value)s” is longer than %(max)d characters.")
                % {"value": value, "max": MAX_CHOICE_VALUE_LENGTH}
            )
        if len(label) > MAX_CHOICE_LABEL_LENGTH:
            raise QuestionError(
                _("The label of “%(value)s” is longer than %(max)d characters.")
                % {"value": value, "max": MAX_CHOICE_LABEL_LENGTH}
            )
        if value.casefold() in seen:
            raise QuestionError(_("The value “%(value)s” is used for two choices.") % {"value": value})
        seen.add(value.casefold())
        translations = {}
        for code, text in (choice.get("translations") or {}).items():
            if code not in available:
                raise QuestionError(_("“%(code)s” is not a language of this site.") % {"code": code})
            text = " ".join(str(text or "").split())
            if len(text) > MAX_CHOICE_LABEL_LENGTH:
                raise QuestionError(
                    _("The label of “%(value)s” is longer than %(max)d characters.")
                    % {"value": value, "max": MAX_CHOICE_LABEL_LENGTH}
                )
            if text:
                translations[code] = text
        cleaned.append({"value": value, "label": label, "translations": translations})
    if len(cleaned) < 2:
        raise QuestionError(_("A single or multiple choice question needs at least two choices."))
    return cleaned


def _clean_text(value: str, field: str) -> str:
    text = " ".join((value or "").split())
    max_length = Question._meta.get_field(field).max_length
    if len(text) > max_length:
        raise QuestionError(
            _("%(field)s is longer than %(max)d characters.")
            % {"field": Question._meta.get_field(field).verbose_name.capitalize(), "max": max_length}
        )
    return text


def _used_values(question: Question) -> set[str]:
    """Choice values some participant has picked for ``question``."""
    used: set[str] = set()
    for value in Answer.objects.filter(question=question).values_list("value", flat=True):
        if isinstance(value, list):
            used.update(str(v) for v in value)
        elif value not in (None, ""):
            used.add(str(value))
    return used


def _question_fields(
    *,
    label: str,
    kind: str,
    required: bool,
    help_text: str,
    label_translations: dict[str, str] | None,
    choices: list[dict[str, Any]] | None,
    sensitive: bool = False,
) -> dict[str, Any]:
    """The cleaned values of a question, or QuestionError with a message for the organizer."""
    if kind not in Question.Kind.values:
        raise QuestionError(_("Choose what kind of question this is."))
    label = _clean_text(label, "label")
    if not label:
        raise QuestionError(_("Write the question."))
    return {
        "label": label,
        "kind": kind,
        "required": bool(required),
        "sensitive": bool(sensitive),
        "help_text": _clean_text(help_text, "help_text"),
        "label_translations": clean_label_translations(label_translations),
        "choices": clean_choices(kind=kind, choices=choices),
    }


@transaction.atomic
def question_create(
    *,
    event: Event,
    label: str,
    kind: str,
    required: bool = False,
    help_text: str = "",
    label_translations: dict[str, str] | None = None,
    choices: list[dict[str, Any]] | None = None,
    sensitive: bool = False,
) -> Question:
    """Add a question at the end of the event's form."""
    fields = _question_fields(
        label=label, kind=kind, required=required, help_text=help_text,
        label_translations=label_translations, choices=choices, sensitive=sensitive,
    )
    locked = Event.objects.lock(event.pk)
    last = Question.objects.filter(event=locked).order_by("-position").values_list("position", flat=True).first()
    return Question.objects.create(event=locked, position=0 if last is None else last + 1, **fields)


@transaction.atomic
def question_update(
    *,
    question: Question,
    label: str,
    kind: str,
    required: bool = False,
    help_text: str = "",
    label_translations: dict[str, str] | None = None,
    choices: list[dict[str, Any]] | None = None,
    sensitive: bool = False,
) -> Question:
    """Change a question. Once answered, its kind stays and picked choices stay available,
    so that every stored answer keeps its meaning."""
    fields = _question_fields(
        label=label, kind=kind, required=required, help_text=help_text,
        label_translations=label_translations, choices=choices, sensitive=sensitive,
    )
    choices = fields["choices"]

    Event.objects.lock(question.event_id)
    question = Question.objects.get(pk=question.pk)
    if Answer.objects.filter(question=question).exists():
        if kind != question.kind:
            raise QuestionError(
                _("Participants have already answered this question, so its kind can no longer change.")
            )
        if kind in CHOICE_KINDS:
            missing = sorted(_used_values(question) - {c["value"] for c in choices})
            if missing:
                raise QuestionError(
                    _("These choices have already been picked and cannot be removed: %(values)s.")
                    % {"values": join_list(missing)}
                )
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Delete a question nobody has answered yet.

    Answers are refused rather than silently dropped: they may hold what an organizer
    promised to act on (dietary or access needs). Making the question optional, or
    exporting the answers first, is the way out and the message says so.
    """
    Event.objects.lock(question.event_id)
    answered = Answer.objects.filter(question_id=question.pk).count()
    if answered:
        raise QuestionError(
            ngettext(
                "%(count)d participant has already answered this question, so it cannot be deleted. "
                "You can make it optional instead.",
                "%(count)d participants have already answered this question, so it cannot be deleted. "
                "You can make it optional instead.",
                answered,
            )
            % {"count": answered}
        )
    Question.objects.filter(pk=question.pk).delete()


@transaction.atomic
def question_move(*, question: Question, direction: Literal["up", "down"]) -> Question:
    """Swap the question with its neighbour; moving past either end does nothing."""
    if direction not in ("up", "down"):
        raise QuestionError(_("A question can only move up or down."))
    locked = Event.objects.lock(question.event_id)
    ordered = list(Question.objects.filter(event=locked).order_by("position", "id"))
    index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
    if index is None:
        raise Question.DoesNotExist
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    # Renumbering from 0 also repairs equal positions left by older data.
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    Question.objects.bulk_update(changed, ["position"])
    return next(q for q in ordered if q.pk == question.pk)
