from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import DeletionRequest, DemographicProfile, RetentionPolicy


class DemographicsForm(forms.Form):
    moved_to_country = forms.ChoiceField(
        label=_("I moved to this country"), required=False,
        choices=[("", _("No answer")), *DemographicProfile.Moved.choices], widget=forms.RadioSelect,
    )
    years_in_country = forms.ChoiceField(
        label=_("Years in the country"), required=False,
        choices=[("", _("No answer")), *DemographicProfile.Years.choices],
    )
    age_band = forms.ChoiceField(
        label=_("Age"), required=False, choices=[("", _("No answer")), *DemographicProfile.Age.choices]
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False,
        choices=[("", _("No answer")), *DemographicProfile.Gender.choices], widget=forms.RadioSelect,
    )
    gender_self_description = forms.CharField(label=_("Gender, in your words"), required=False, max_length=100)
    consent = forms.BooleanField(
        label=_("I agree that these answers are kept for the evaluation, as described above."), required=False
    )


class DeletionForm(forms.Form):
    certificates = forms.ChoiceField(
        label=_("Your certificates"), choices=DeletionRequest.CertificateChoice.choices,
        initial=DeletionRequest.CertificateChoice.KEEP, widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(label=_("Yes, delete my account in 7 days"), required=True)


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["registration_months", "sensitive_answer_months", "email_body_days", "survey_token_days"]

    def clean(self):
        cleaned = super().clean()
        months, sensitive = cleaned.get("registration_months"), cleaned.get("sensitive_answer_months")
        if months is not None and sensitive is not None and sensitive > months:
            raise forms.ValidationError(_("Sensitive answers cannot be kept longer than the other answers."))
        if months is not None and months < 1:
            self.add_error("registration_months", _("Keep registrations at least one month after the event."))
        return cleaned


class ConsentTextForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=40,
                              help_text=_("Change it whenever the wording changes in substance."))
    text = forms.CharField(label=_("Wording"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Wording in %(language)s") % {"language": name}, required=False,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code, "dir": "auto"}),
            )

    def translations(self) -> dict[str, str]:
        return {name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("text_") and value}
