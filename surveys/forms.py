"""The respondent's form, built from the survey's questions in the respondent's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from surveys.models import SurveyQuestion
from surveys.services.surveys import AnswerValue

DONT_KNOW = "dk"
OTHER = "other"
Kind = SurveyQuestion.Kind


class SurveyForm(forms.Form):
    def __init__(self, *args, questions, language, named=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.language = language
        for q in self.questions:
            label = q.label_for(language)
            name = f"q{q.pk}"
            if q.kind in SurveyQuestion.SCALES and q.kind != Kind.MATRIX:
                choices = [(str(n), str(n)) for n in SurveyQuestion.SCALES[q.kind]]
                if q.allow_dont_know:
                    choices.append((DONT_KNOW, pgettext_lazy("survey answer", "Don't know")))
                self.fields[name] = forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect,
                                                      required=q.required)
            elif q.kind in (Kind.SINGLE, Kind.YES_NO):
                choices = list(q.options_for(language))
                if q.allow_other:
                    choices.append((OTHER, _("Other:")))
                self.fields[name] = forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect,
                                                      required=q.required)
                if q.allow_other:
                    self.fields[f"{name}_other"] = forms.CharField(label=_("Other, please say:"), required=False,
                                                                   max_length=200)
            elif q.kind == Kind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(label=label, choices=q.options_for(language),
                                                              widget=forms.CheckboxSelectMultiple, required=q.required)
            elif q.kind == Kind.MATRIX:
                scale = [(str(n), str(n)) for n in SurveyQuestion.SCALES[Kind.MATRIX]]
                for row_id, row_label in q.rows_for(language):
                    self.fields[f"{name}_{row_id}"] = forms.ChoiceField(
                        label=f"{label} — {row_label}", choices=scale, widget=forms.RadioSelect, required=q.required
                    )
            elif q.kind == Kind.NUMBER:
                self.fields[name] = forms.IntegerField(label=label, required=q.required, min_value=-10**9,
                                                       max_value=10**9)
            else:
                self.fields[name] = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 4}),
                                                    required=q.required, max_length=4000)
        if named:
            self.fields["named_confirmed"] = forms.BooleanField(
                label=_("I understand that my name is stored with my answers."), required=True
            )

    def answer_values(self) -> list[AnswerValue]:
        data = self.cleaned_data
        values: list[AnswerValue] = []
        for q in self.questions:
            name = f"q{q.pk}"
            if q.kind == Kind.MATRIX:
                for row_id, _label in q.rows_for(self.language):
                    value = data.get(f"{name}_{row_id}")
                    if value:
                        values.append(AnswerValue(question_id=q.pk, row=row_id, number=int(value)))
                continue
            value = data.get(name)
            if value in (None, "", []):
                continue
            if q.kind in (Kind.SCALE5, Kind.SCALE10):
                values.append(AnswerValue(question_id=q.pk, option=DONT_KNOW) if value == DONT_KNOW
                              else AnswerValue(question_id=q.pk, number=int(value)))
            elif q.kind == Kind.MULTIPLE:
                values.extend(AnswerValue(question_id=q.pk, option=v) for v in value)
            elif q.kind in (Kind.SINGLE, Kind.YES_NO):
                text = (data.get(f"{name}_other") or "").strip() if value == OTHER else ""
                values.append(AnswerValue(question_id=q.pk, option=value, text=text))
            elif q.kind == Kind.NUMBER:
                values.append(AnswerValue(question_id=q.pk, number=value))
            else:
                values.append(AnswerValue(question_id=q.pk, text=value.strip()))
        return values


class QuestionAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    label = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(label=_("Options, one per line"), widget=forms.Textarea(attrs={"rows": 4}),
                              required=False)
    rows = forms.CharField(label=_("Matrix rows, one per line"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    translations = forms.CharField(
        label=_("The question in other languages"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, a language code and the text: “sv: Vad tyckte du?”"),
    )
    allow_other = forms.BooleanField(label=_("Offer “other: ___”"), required=False)

    def clean_translations(self):
        result = {}
        for line in self.cleaned_data["translations"].splitlines():
            code, sep, text = line.partition(":")
            if not line.strip():
                continue
            if not sep or not code.strip() or not text.strip():
                raise forms.ValidationError(_("Write each translation as “language code: text”."))
            result[code.strip().lower()] = text.strip()
        return result
    allow_dont_know = forms.BooleanField(label=_("Offer “don't know”"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False)


class SurveySettingsForm(forms.Form):
    open_days = forms.IntegerField(label=_("Open for (days)"), min_value=1, max_value=90)
    first_reminder_days = forms.IntegerField(label=_("First reminder after (days)"), min_value=1, max_value=89)
    second_reminder_days = forms.IntegerField(label=_("Second reminder after (days)"), min_value=2, max_value=90)
    named = forms.BooleanField(label=_("Named survey (answers stored with the respondent's name)"), required=False)
