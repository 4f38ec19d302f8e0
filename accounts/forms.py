from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.validation import SafeForm, SafeModelForm

from .models import User
from .services.users import user_complete_signup


class SignupForm(SafeForm):
    """Extra fields on allauth's signup form."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=_("Exactly as it must appear on your certificates, with all accents."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        if lang in dict(settings.LANGUAGES):
            self.fields["preferred_language"].initial = lang

    def signup(self, request, user):
        # The user row is being created by allauth here; the fields belong to it.
        user_complete_signup(
            user=user,
            full_name=self.cleaned_data["full_name"],
            preferred_language=self.cleaned_data["preferred_language"],
        )


class ProfileForm(SafeModelForm):
    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "works_for_city"]
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter your full name."))
        return name
