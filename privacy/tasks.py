from celery import shared_task

from privacy.services import exports, retention


@shared_task(acks_late=True)
def build_export(export_id: int) -> None:
    exports.user_export_build(export_id=export_id)


@shared_task
def purge() -> dict:
    """Periodic (CELERY_BEAT_SCHEDULE "retention-purge"): apply every city's retention policy."""
    return retention.retention_purge().counts
