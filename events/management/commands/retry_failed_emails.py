from datetime import timedelta

from django.core.management.base import BaseCommand

from events.services.registration_emails import registration_emails_recover
from outbox.services.emails import email_retry_failed


class Command(BaseCommand):
    help = (
        "Send failed emails again, now, from this process (embedded mode has no broker to retry later). "
        "Run it once the mail server is back; it is safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stuck-minutes", type=int, default=None,
            help="Also send emails still queued after this many minutes, and the first email of registrations "
            "made longer ago than that which never got one (a process died before sending).",
        )
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many.")

    def handle(self, *args, stuck_minutes, limit, **options):
        stuck = timedelta(minutes=stuck_minutes) if stuck_minutes is not None else None
        sent, failing = email_retry_failed(queued_older_than=stuck, limit=limit)
        recovered = registration_emails_recover(older_than=stuck) if stuck is not None else 0
        if stuck is not None:
            self.stdout.write(f"{recovered} lost registration email(s) sent again.")
        self.stdout.write(f"{sent} email(s) sent, {failing} still failing.")
        if failing:
            self.stderr.write("The mail server still refuses some emails; see OutgoingEmail.last_error.")
