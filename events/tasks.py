from celery import shared_task

from events.services import emails

MAX_EMAIL_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_EMAIL_RETRIES, acks_late=True)
def send_outgoing_email(self, email_id: int) -> None:
    # In-process mode has no one to retry later, nor has the last retry.
    final = self.request.retries >= self.max_retries or bool(self.request.is_eager)
    try:
        emails.email_deliver(email_id=email_id, final=final)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries)


@shared_task
def send_reminders() -> int:
    """Periodic (see CELERY_BEAT_SCHEDULE): remind participants of sessions within a day."""
    from events.services.notifications import reminders_send

    return reminders_send()


@shared_task(acks_late=True)
def send_registration_email(
    registration_id: int, template: str, calendar_method: str | None = None, context: dict | None = None
) -> None:
    """Render, store and send one registration email in a worker, after the registration committed."""
    from events.services.registrations import registration_email_send

    registration_email_send(
        registration_id=registration_id, template=template, calendar_method=calendar_method, context=context
    )


@shared_task(acks_late=True)
def notify_registrations(event_id: int, template: str, calendar_method: str, context: dict) -> int:
    """Email everyone with an active registration about a change of the event (time, place, cancellation)."""
    from events.services.notifications import registrations_notify

    return registrations_notify(event_id=event_id, template=template, calendar_method=calendar_method, context=context)
