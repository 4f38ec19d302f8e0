import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit  # the same module allauth's own login limit uses
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext

from outbox.services.emails import email_queue_message

from .client_ip import client_address, limit_key

REDIRECT_FIELD = "next"
# How long an address an account signed in from stays "known" to the per-account login limit.
KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class EmailSite:
    """What allauth's email templates call ``current_site``: the site's name in the mail's language."""

    name: str
    domain: str


def email_site() -> EmailSite:
    return EmailSite(name=gettext("EPI Events"), domain=urlsplit(settings.SITE_URL).netloc)


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
        user = context.get("user")
        lang = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(lang):
            # allauth's templates greet with ``current_site.name``; the sites framework's row
            # knows no language, so the name is the translated one, as on every page.
            context = {"email": email, **context, "current_site": email_site()}
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

    # Client address and login limits ------------------------------------------------------------

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count by the same address as the site's own (``client_address``)."""
        return client_address(request)

    def _login_of(self, credentials) -> str:
        return (credentials.get("email") or credentials.get("username") or "").lower()

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys "5 failures per account" by the account alone, which lets anyone lock any
        # account; keyed by account and address, a stranger's failures stay the stranger's.
        return "%s:%s" % (super()._get_login_attempts_cache_key(request, **credentials), limit_key(request))

    def _known_address_key(self, request, login: str) -> str:
        digest = hashlib.sha256(("%s|%s" % (login, limit_key(request))).encode()).hexdigest()
        return "accounts:known-login-address:" + digest

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        self._account_failed_usage = None
        login = self._login_of(credentials)
        if not login or cache.get(self._known_address_key(request, login)) or self._has_second_factor(login):
            # The owner at an address they signed in from before passes the account-wide limit, and
            # so does anyone for an account with two-factor authentication: a password alone opens
            # nothing there, and the per-address limits still hold.
            return
        self._account_failed_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=login
        )
        if not self._account_failed_usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")

    def _has_second_factor(self, login: str) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user__email__iexact=login, type=Authenticator.Type.TOTP).exists()

    def _rollback_login_failed_rl_usage(self) -> None:
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_account_failed_usage", None)
        if usage:
            usage.rollback()
            self._account_failed_usage = None

    def login(self, request, user) -> None:
        super().login(request, user)
        login = (user.email or "").lower()
        if login:
            cache.set(self._known_address_key(request, login), True, KNOWN_ADDRESS_SECONDS)
