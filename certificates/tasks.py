"""Background work of the certificates app. Tasks take primary keys."""

from __future__ import annotations

from celery import shared_task

from certificates.services import certificates


@shared_task(acks_late=True)
def issue_certificate_batch(batch_id: int, part: int = 0, parts: int = 1) -> None:
    certificates.certificate_batch_run(batch_id=batch_id, part=part, parts=parts)
