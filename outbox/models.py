"""The outgoing-email queue: every email of the site, as rendered for its recipient."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutgoingEmail(models.Model):
    """One email, rendered in its recipient's language when queued and sent by a task.

    Keeping the rendered message lets a worker retry it after the mail server comes
    back, and lets organizers see what failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_emails",
        verbose_name=_("recipient")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_emails", verbose_name=_("event")
    )
    to_email = models.EmailField(_("recipient"))
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(max_length=10, verbose_name=_("language"))
    subject = models.CharField(_("subject"), max_length=300)
    # For an email carrying a secret (a password-reset or confirmation link, a login code)
    # body_text / body_html hold the message with the secret masked; the real bodies wait
    # in secret_text / secret_html until the email is sent, then are emptied.
    body_text = models.TextField(verbose_name=_("text"))
    body_html = models.TextField(blank=True, verbose_name=_("HTML"))
    is_secret = models.BooleanField(_("carries a secret"), default=False)
    secret_text = models.TextField(blank=True, verbose_name=_("secret text"))
    secret_html = models.TextField(blank=True, verbose_name=_("secret HTML"))
    # An iCalendar invitation sent as a text/calendar alternative (METHOD REQUEST or CANCEL).
    calendar_method = models.CharField(max_length=10, blank=True, verbose_name=_("calendar method"))
    calendar_body = models.TextField(blank=True, verbose_name=_("calendar invitation"))
    # Optional attachment, e.g. a certificate PDF, read from storage at send time.
    attachment_name = models.CharField(max_length=200, blank=True, verbose_name=_("attachment name"))
    attachment_path = models.CharField(max_length=300, blank=True, verbose_name=_("attachment path"))
    attachment_mimetype = models.CharField(max_length=100, blank=True, verbose_name=_("attachment type"))
    # Makes "send once" jobs (reminders) safe to run twice.
    dedupe_key = models.CharField(
        max_length=200, unique=True, null=True, blank=True, verbose_name=_("deduplication key")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoingemail_status_idx")]
        # The table kept its name when the model moved here from ``events``: the rows never moved.
        db_table = "events_outgoingemail"

    def __str__(self):
        return f"{self.template} → {self.to_email} ({self.status})"
