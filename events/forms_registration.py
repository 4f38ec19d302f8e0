"""The participant's registration form: the event's own questions, the acknowledged
information notice and the optional, unticked consents."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.content import ShownText, pick_text
from events.models import Question
from events.validation import SafeForm
from privacy.models import Purpose
from privacy.texts import NOTICE_VERSION, wording

# The information notice (privacy.texts, per city): acknowledged on registration, not a
# consent. Each registration stores the version its participant read.
CONSENT_VERSION = NOTICE_VERSION

# The optional consents offered, unticked, under the notice (privacy.models.Purpose).
OPTIONAL_CONSENTS = (Purpose.LISTED, Purpose.PHOTOS, Purpose.INVITATIONS)

QUESTION_FIELD_PREFIX = "q_"
OPTIONAL_PREFIX = "optional_"
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

    # Named "consent" for history; it acknowledges the information notice.
    consent = forms.BooleanField(
        label=_("I have read the information notice."),
        error_messages={"required": _("Please confirm that you have read the information notice.")},
    )

    def __init__(self, *args, questions: list[Question], language: str, city=None, **kwargs):
        super().__init__(*args, **kwargs)
        consent = self.fields.pop("consent")
        for question in questions:
            self.fields[f"{QUESTION_FIELD_PREFIX}{question.pk}"] = _question_field(question, language)
        self.fields["consent"] = consent
        for purpose in OPTIONAL_CONSENTS:
            self.fields[f"{OPTIONAL_PREFIX}{purpose}"] = forms.BooleanField(
                label=wording(purpose, city, language).text, required=False, initial=False
            )
        self.questions = questions

    def optional_consent_fields(self):
        return [self[f"{OPTIONAL_PREFIX}{purpose}"] for purpose in OPTIONAL_CONSENTS]

    def optional_consents(self) -> list[str]:
        """The purposes the participant ticked (none unless they did)."""
        return [purpose for purpose in OPTIONAL_CONSENTS if self.cleaned_data.get(f"{OPTIONAL_PREFIX}{purpose}")]

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
