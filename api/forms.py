from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from api import permissions
from api.models import Scope, WebhookEventType
from events.models import City


class TokenForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of an API token", "Name"), max_length=100, help_text=_("What will use it, e.g. “City website”."))
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.none(), required=False, to_field_name="slug",
        empty_label=_("Every city I organize"),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, initial=90,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = permissions.grantable_cities(user)


class WebhookForm(forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.none(), to_field_name="slug")
    url = forms.URLField(label=_("Address (https)"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("Send these changes"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = permissions.grantable_cities(user)
