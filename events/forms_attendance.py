"""Forms of the attendance pages. Each page works as a plain form post; JavaScript only speeds it up."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.services.attendance import normalize_code
from events.validation import SafeForm


class IdListField(forms.Field):
    """Registration ids posted as repeated fields; the service decides which are still markable."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The sheet was sent incomplete. Please reload it and save again."))


class SheetForm(SafeForm):
    """The whole sheet in one post: which rows were listed, which were ticked before, which are ticked now.

    Comparing with the state the page was drawn in, rather than with the database,
    keeps a late "Save" from undoing check-ins made by QR meanwhile.
    """

    listed = IdListField(required=False)
    was_present = IdListField(required=False)
    present = IdListField(required=False)

    def changes(self) -> dict[int, bool]:
        listed = set(self.cleaned_data["listed"])
        before = set(self.cleaned_data["was_present"]) & listed
        now = set(self.cleaned_data["present"]) & listed
        return {pk: pk in now for pk in (before ^ now)}


class MarkForm(SafeForm):
    """One toggle, sent by the sheet's script as each box changes."""

    registration = forms.IntegerField(min_value=1)
    present = forms.BooleanField(required=False)


class CodeForm(SafeForm):
    code = forms.CharField(
        label=_("Participant's code"),
        max_length=40,
        help_text=_("The 10 characters under the participant's QR code; spaces do not matter."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autocorrect": "off"}
        ),
    )
    # Set by the camera scanner; a typed code is recorded as typed.
    scanned = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_code(self):
        raw = self.cleaned_data["code"]
        if not normalize_code(raw):
            raise forms.ValidationError(
                _("A code has 10 letters and digits, like ABCDE FGHJK. Please check it and try again.")
            )
        return raw


class RoomCodeForm(CodeForm):
    """The participant types the code shown on the room's screen when the camera cannot scan it."""

    scanned = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code shown on the screen")
        self.fields["code"].help_text = _("10 letters and digits; spaces do not matter.")


class WalkInForm(SafeForm):
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        required=False,
        help_text=_("As it should appear on the certificate. Leave empty for someone who already has an account."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
