from django.core.management.base import BaseCommand

from privacy.services.retention import BATCH_SIZE, retention_purge


class Command(BaseCommand):
    help = "Apply every city's retention policy once (idempotent; run daily from cron without a broker)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size, **options):
        run = retention_purge(batch_size=batch_size)
        for step, count in run.counts.items():
            self.stdout.write(f"{step}: {count}")
