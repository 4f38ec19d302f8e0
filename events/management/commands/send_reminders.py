from datetime import timedelta

from django.core.management.base import BaseCommand

from events.services.notifications import REMINDER_HORIZON, reminders_send


class Command(BaseCommand):
    help = (
        "Email confirmed participants of every session starting within the next hours "
        "(24 by default). Running it twice sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=REMINDER_HORIZON.total_seconds() / 3600,
            help="How far ahead to look (default: %(default)s).",
        )

    def handle(self, *args, hours, **options):
        queued = reminders_send(horizon=timedelta(hours=hours))
        self.stdout.write(f"{queued} reminder(s) queued.")
