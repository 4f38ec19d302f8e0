from celery import shared_task

from outbox.services import emails

MAX_EMAIL_RETRIES = 5


# The name it had in ``events``: messages already queued under it still find it.
@shared_task(name="events.tasks.send_outgoing_email", bind=True, max_retries=MAX_EMAIL_RETRIES, acks_late=True)
def send_outgoing_email(self, email_id: int) -> None:
    # In-process mode has no one to retry later, nor has the last retry.
    final = self.request.retries >= self.max_retries or bool(self.request.is_eager)
    try:
        emails.email_deliver(email_id=email_id, final=final)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries)
