"""Forms of the organizer's registration pages: filters, actions, adding people, questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from events.models import Question, Registration
from events.services.questions import (
    CHOICE_KINDS,
    CHOICES_TEXT_MAX_LENGTH,
    MAX_CHOICE_VALUE_LENGTH,
    QuestionError,
    clean_choices,
)
from events.validation import MESSAGE_MAX_LENGTH, SafeForm


class RegistrationFilterForm(SafeForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses"))] + Registration.Status.choices, required=False
    )
    q = forms.CharField(
        label=_("Name or email"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def filter(self, queryset: QuerySet[Registration]) -> QuerySet[Registration]:
        """Apply the valid filters; an unknown status is ignored and shown as an error."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        for term in (data.get("q") or "").split():
            queryset = queryset.filter(Q(user__full_name__icontains=term) | Q(user__email__icontains=term))
        return queryset


class DecisionForm(SafeForm):
    """Approve or reject, with an optional message to the participant."""

    message = forms.CharField(
        label=_("Message to the participant (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(SafeForm):
    reason = forms.CharField(
        label=_("Reason (sent to the participant)"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give a reason for cancelling this registration.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason for cancelling this registration."))
        return reason


class AddByEmailForm(SafeForm):
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    full_name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=200,
        help_text=_("Used only when this person has no account yet. Exactly as it must appear on certificates."),
    )


def choices_to_text(choices: list[dict[str, Any]]) -> str:
    lines = []
    for choice in choices or []:
        parts = [choice.get("value", ""), choice.get("label", "")]
        parts += [f"{code}={text}" for code, text in sorted((choice.get("translations") or {}).items())]
        lines.append("|".join(parts))
    return "\n".join(lines)


def parse_choices_text(text: str) -> list[dict[str, Any]]:
    """Lines of ``value|label|es=etiqueta|sv=etikett``; a line without ``|`` is its own value and label.

    Raises ``forms.ValidationError`` naming the line of every problem.
    """
    languages = dict(settings.LANGUAGES)
    choices: list[dict[str, Any]] = []
    errors: list[forms.ValidationError] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        value, label = parts[0], (parts[1] if len(parts) > 1 else parts[0])
        translations = {}
        for extra in parts[2:]:
            code, sep, translated = extra.partition("=")
            code = code.strip()
            if not sep or code not in languages:
                errors.append(
                    forms.ValidationError(
                        _("Line %(line)d: “%(part)s” should look like es=translation (languages: %(codes)s)."),
                        params={"line": number, "part": extra, "codes": ", ".join(languages)},
                    )
                )
                continue
            if translated.strip():
                translations[code] = translated.strip()
        if not value:
            errors.append(forms.ValidationError(_("Line %(line)d: the value before | is empty."), params={"line": number}))
            continue
        if len(value) > MAX_CHOICE_VALUE_LENGTH:
            errors.append(
                forms.ValidationError(
                    _("Line %(line)d: the value is longer than %(max)d characters."),
                    params={"line": number, "max": MAX_CHOICE_VALUE_LENGTH},
                )
            )
            continue
        key = value.casefold()
        if key in first_line_of:
            errors.append(
                forms.ValidationError(
                    _("Line %(line)d: the value “%(value)s” is already used on line %(first)d."),
                    params={"line": number, "value": value, "first": first_line_of[key]},
                )
            )
            continue
        first_line_of[key] = number
        choices.append({"value": value, "label": label or value, "translations": translations})
    if errors:
        raise forms.ValidationError(errors)
    return choices


class QuestionForm(SafeForm):
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    label = forms.CharField(
        label=_("Question"),
        max_length=300,
        help_text=_("Shown in every language that has no translation below."),
    )
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    sensitive = forms.BooleanField(
        label=_("Answers are sensitive"), required=False,
        help_text=_("Health, access needs, beliefs…: such answers are erased a month after the event."),
    )
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=CHOICES_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Only for single and multiple choice: one choice per line, written value|label, for example "
            "“vegetarian|Vegetarian meal”. Add translations as |es=…|sv=… at the end of the line. "
            "At least two choices, each value once."
        ),
    )

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None and "initial" not in kwargs:
            initial = {
                "kind": question.kind,
                "label": question.label,
                "help_text": question.help_text,
                "required": question.required,
                "sensitive": question.sensitive,
                "choices_text": choices_to_text(question.choices),
            }
            for code, _name in settings.LANGUAGES:
                initial[f"label_{code}"] = (question.label_translations or {}).get(code, "")
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        # One translation field per site language, placed right after the question itself.
        fields = list(self.fields.items())
        translation_fields = [
            (
                f"label_{code}",
                forms.CharField(
                    label=_("Question in %(language)s") % {"language": name},
                    max_length=300,
                    required=False,
                ),
            )
            for code, name in settings.LANGUAGES
        ]
        position = [name for name, _field in fields].index("label") + 1
        self.fields = dict(fields[:position] + translation_fields + fields[position:])

    def translation_fields(self):
        return [self[f"label_{code}"] for code, _name in settings.LANGUAGES]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in CHOICE_KINDS and "choices_text" not in self.errors:
            try:
                parsed = parse_choices_text(data.get("choices_text", ""))
            except forms.ValidationError as error:
                self.add_error("choices_text", error)
            else:
                try:
                    data["choices"] = clean_choices(kind=kind, choices=parsed)
                except QuestionError as error:
                    self.add_error("choices_text", str(error))
        else:
            # Lines left over from a choice question that became a text question mean nothing now.
            data["choices"] = []
        data["label_translations"] = {
            code: data.get(f"label_{code}", "") for code, _name in settings.LANGUAGES if data.get(f"label_{code}")
        }
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data["label"],
            "kind": data["kind"],
            "required": data["required"],
            "sensitive": data.get("sensitive", False),
            "help_text": data.get("help_text", ""),
            "label_translations": data["label_translations"],
            "choices": data["choices"],
        }
