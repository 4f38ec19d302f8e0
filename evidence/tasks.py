from celery import shared_task


@shared_task
def refresh_dashboards() -> int:
    """Periodic (see CELERY_BEAT_SCHEDULE): recompute the cached dashboard figures most asked for."""
    from evidence.cache import refresh_common
    from surveys.results import min_responses

    return refresh_common(threshold=min_responses())
