from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils import translation

REDIRECT_FIELD = "next"

# What allauth puts in an email's context that opens an account to whoever reads it:
# the confirmation or password-reset key and its link, a login or reset code.
SECRET_CONTEXT_KEYS = ("key", "code")
SECRET_LINK_KEYS = ("activate_url", "password_reset_url")


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Render in the recipient's language and send through the site's email queue.

        The queue sends after commit and keeps the message for a retry, so a mail
        server that is down never turns a signup or a password reset into an error page.
        Keys, codes and their links are handed over as secrets: the stored copy is
        masked and the real one is dropped once sent.
        """
        from events.services.emails import email_queue_message

        user = context.get("user")
        lang = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(lang):
            message = self.render_mail(template_prefix, email, context)
            email_queue_message(
                message=message,
                template=template_prefix,
                user=user if getattr(user, "pk", None) else None,
                secrets=self._secrets(context),
            )

    @staticmethod
    def _secrets(context) -> list[str]:
        if not any(context.get(name) for name in SECRET_CONTEXT_KEYS):
            return []
        return [str(context[name]) for name in (*SECRET_LINK_KEYS, *SECRET_CONTEXT_KEYS) if context.get(name)]

    def get_email_confirmation_url(self, request, emailconfirmation):
        """Carry the page the visitor was heading to through the confirmation link.

        Confirming in the browser that signed up resumes that login and allauth
        returns to the stored ``next`` by itself. Confirming elsewhere (the link
        opened on a phone) leaves the visitor anonymous: the link then leads to
        the login page, which still knows where they were going.
        """
        url = super().get_email_confirmation_url(request, emailconfirmation)
        target = self._requested_next(request)
        if not target:
            return url
        login = reverse("account_login") + "?" + urlencode({REDIRECT_FIELD: target})
        return url + ("&" if "?" in url else "?") + urlencode({REDIRECT_FIELD: login})

    def _requested_next(self, request) -> str:
        if request is None:
            return ""
        target = request.POST.get(REDIRECT_FIELD) or request.GET.get(REDIRECT_FIELD) or ""
        # Only a local path is carried: an email link must not become an open redirect.
        if not target.startswith("/") or target.startswith("//") or not self.is_safe_url(target):
            return ""
        return target
