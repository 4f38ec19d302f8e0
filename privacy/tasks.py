from celery import shared_task


@shared_task(acks_late=True)
def build_export(export_id: int) -> None:
    from privacy.services.exports import user_export_build

    user_export_build(export_id=export_id)


@shared_task
def purge() -> dict:
    """Periodic (CELERY_BEAT_SCHEDULE "retention-purge"): apply every city's retention policy."""
    from privacy.services.retention import retention_purge

    return retention_purge().counts
