from celery import shared_task

from events.services import emails

MAX_EMAIL_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_EMAIL_RETRIES, acks_late=True)
def send_outgoing_email(self, email_id: int) -> None:
    try:
        emails.email_send_now(email_id=email_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries or self.request.is_eager:
            # In-process mode has no one to retry later: mark it so organizers see it and can resend.
            emails.email_mark_failed(email_id=email_id, error=str(exc))
            return
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries)


@shared_task
def send_reminders() -> int:
    """Periodic (see CELERY_BEAT_SCHEDULE): remind participants of sessions within a day."""
    from events.services.notifications import reminders_send

    return reminders_send()
