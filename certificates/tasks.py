"""Background work of the certificates app. Tasks take primary keys."""

from __future__ import annotations

import threading

from celery import shared_task
from django.conf import settings
from django.db import connections

from certificates.services import certificates


@shared_task(acks_late=True)
def issue_certificate_batch(batch_id: int, part: int = 0, parts: int = 1) -> None:
    certificates.certificate_batch_run(batch_id=batch_id, part=part, parts=parts)


def _run_in_thread(batch_id: int) -> None:
    try:
        certificates.certificate_batch_run(batch_id=batch_id)
    except Exception:  # noqa: BLE001 - already recorded on the batch and logged
        pass
    finally:
        connections.close_all()


def dispatch_batch(batch_id: int, parts: int = 1) -> None:
    """Hand a job to a worker; without one (the embedded mode) to a thread of this process.

    Celery's eager mode would run the job inside the request that started it, and the
    trainer would stare at a loading page; a thread lets the page answer at once and
    poll. The job is resumable, so a process that exits mid-way loses nothing but time.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "CERTIFICATES_EAGER_IN_THREAD", True):
        threading.Thread(
            target=_run_in_thread, args=(batch_id,), name=f"certificate-batch-{batch_id}", daemon=True
        ).start()
        return
    # One task per part: a worker with --concurrency 2 lays out two groups of PDFs at once.
    for part in range(parts):
        issue_certificate_batch.delay(batch_id, part, parts)
