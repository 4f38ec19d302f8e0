from celery import shared_task

from surveys.services import surveys


@shared_task(acks_late=True)
def invite_survey(survey_id: int) -> int:
    return surveys.survey_invite(survey_id=survey_id)


@shared_task
def surveys_tick() -> dict:
    """Periodic (see CELERY_BEAT_SCHEDULE): open, remind and close surveys that are due."""
    return surveys.surveys_tick()
