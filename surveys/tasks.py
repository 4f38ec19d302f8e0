from celery import shared_task


@shared_task(acks_late=True)
def invite_survey(survey_id: int) -> int:
    from surveys.services.surveys import survey_invite

    return survey_invite(survey_id=survey_id)


@shared_task
def surveys_tick() -> dict:
    """Periodic (see CELERY_BEAT_SCHEDULE): open, remind and close surveys that are due."""
    from surveys.services.surveys import surveys_tick as tick

    return tick()
