import re

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import REVOKE_REASON_MAX_LENGTH
from events.validation import SafeForm

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{10,40}$")


class RevokeForm(SafeForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REVOKE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public verification page, next to the date of revocation."),
    )


class VerifyForm(SafeForm):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=300,
        help_text=_("Printed under the QR code at the bottom right of the certificate."),
    )

    def clean_code(self):
        raw = self.cleaned_data["code"].strip()
        # People paste the whole address from the certificate as often as the code itself.
        code = raw.rstrip("/").rsplit("/", 1)[-1] if "/" in raw else raw
        code = "".join(code.split())
        if not CODE_RE.match(code):
            raise forms.ValidationError(
                _("This does not look like a verification code. It has 16 letters, digits, - or _."),
                code="invalid",
            )
        return code


class VerifyFileForm(SafeForm):
    """A certificate file to check: the PDF, the badge PNG or the credential (.jwt)."""

    MAX_BYTES = 5 * 1024 * 1024

    file = forms.FileField(
        label=_("Certificate file"),
        help_text=_("The certificate PDF, the badge image (PNG) or the credential file (.jwt)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("This file is larger than any certificate file (5 MB at most)."))
        return upload
