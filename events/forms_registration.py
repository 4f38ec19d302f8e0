"""The participant's registration form: the event's own questions and the data-protection consent."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.content import ShownText, pick_text
from events.models import Question
from events.validation import SafeForm

# Bump whenever CONSENT_NOTICE changes in substance: each registration stores the
# version its participant agreed to.
CONSENT_VERSION = "2026-11"
CONSENT_NOTICE = _(
    "The city organising this event processes your name, email address and answers to manage your "
    "registration, the waiting list, attendance and certificates of attendance, and to send you emails about "
    "this event. Only the event's organizers and trainers see them. Your data is kept for the reporting "
    "period of the European Pact for Integration and then deleted. You can ask the organizers at any time "
    "to see, correct or delete your data."
)

QUESTION_FIELD_PREFIX = "q_"
YES, NO = "yes", "no"


def _choice_label(choice: dict, language: str, source_language: str = "") -> str:
    """A choice's label through the same chain as every other organizer text (events.content)."""
    translations = choice.get("translations") or {}
    label = choice.get("label") or str(choice.get("value"))
    return pick_text(
        source_text=label, source_language=source_language, translations=translations, language=language
    ).text


def _question_field(question: Question, language: str) -> forms.Field:
    label = question.localized_label(language)
    common = {
        "label": label.text,
        "required": question.required,
        "help_text": question.help_text,
    }
    event_loaded = Question._meta.get_field("event").is_cached(question)
    source_language = question.event.language if event_loaded else ""
    choices = [
        (str(choice.get("value")), _choice_label(choice, language, source_language))
        for choice in question.choices or []
        if isinstance(choice, dict)
    ]
    field = _question_field_of_kind(question, choices, common)
    # `lang` (and `dir`) for a label shown in another language than the page's.
    field.label_attrs = ShownText(label).attrs
    return field


def _question_field_of_kind(question: Question, choices: list, common: dict) -> forms.Field:
    kind = question.kind
    if kind == Question.Kind.SHORT_TEXT:
        return forms.CharField(max_length=300, **common)
    if kind == Question.Kind.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == Question.Kind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == Question.Kind.YES_NO:
        # Two radios rather than one checkbox, so "no" is an answer and not just an empty field.
        return forms.TypedChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))],
            coerce=lambda value: value == YES,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    raise ValueError(f"unknown question kind {kind!r}")


class RegistrationForm(SafeForm):
    """One field per question of the event (``q_<id>``), then the consent checkbox.

    Only the event's own questions become fields, so tampered or foreign question
    ids in the POST are simply never read.
    """

    consent = forms.BooleanField(
        label=_("I have read the data-protection notice and agree that my data is processed as described."),
        error_messages={"required": _("Please accept the data-protection notice to register.")},
    )

    def __init__(self, *args, questions: list[Question], language: str, **kwargs):
        super().__init__(*args, **kwargs)
        consent = self.fields.pop("consent")
        for question in questions:
            self.fields[f"{QUESTION_FIELD_PREFIX}{question.pk}"] = _question_field(question, language)
        self.fields["consent"] = consent
        self.questions = questions

    def question_fields(self):
        return [self[name] for name in self.fields if name.startswith(QUESTION_FIELD_PREFIX)]

    def answers(self) -> dict[int, object]:
        return {
            question.pk: self.cleaned_data.get(f"{QUESTION_FIELD_PREFIX}{question.pk}")
            for question in self.questions
        }

    def add_service_errors(self, field_errors: dict[int, str], message: str) -> None:
        """Show a service's verdict next to the questions it concerns."""
        placed = False
        for question_id, text in field_errors.items():
            name = f"{QUESTION_FIELD_PREFIX}{question_id}"
            if name in self.fields:
                self.add_error(name, text)
                placed = True
        if not placed or not field_errors:
            self.add_error(None, message)
