from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext

REDIRECT_FIELD = "next"


@dataclass(frozen=True)
class EmailSite:
    """What allauth's email templates call ``current_site``: the site's name in the mail's language."""

    name: str
    domain: str


def email_site() -> EmailSite:
    return EmailSite(name=gettext("EPI Events"), domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Render in the recipient's language and send through the site's email queue.

        The queue sends after commit and keeps the message for a retry, so a mail
        server that is down never turns a signup or a password reset into an error page.
        """
        from events.services.emails import email_queue_message

        user = context.get("user")
        lang = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(lang):
            # allauth's templates greet with ``current_site.name``; the sites framework's row
            # knows no language, so the name is the translated one, as on every page.
            context = {"email": email, **context, "current_site": email_site()}
            message = self.render_mail(template_prefix, email, context)
            email_queue_message(message=message, template=template_prefix, user=user if getattr(user, "pk", None) else None)

    def format_email_subject(self, subject) -> str:
        """Prefix the subject with the site's name in the language the mail is rendered in."""
        return "[%s] %s" % (email_site().name, force_str(subject))

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
