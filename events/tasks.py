from celery import shared_task

from events.services import notifications, registration_emails


@shared_task
def send_reminders() -> int:
    """Periodic (see CELERY_BEAT_SCHEDULE): remind participants of sessions within a day."""
    return notifications.reminders_send()


@shared_task(acks_late=True)
def send_registration_email(
    registration_id: int, template: str, calendar_method: str | None = None, context: dict | None = None
) -> None:
    """Render, store and send one registration email in a worker, after the registration committed."""
    registration_emails.registration_email_send(
        registration_id=registration_id, template=template, calendar_method=calendar_method, context=context
    )


@shared_task(acks_late=True)
def notify_registrations(event_id: int, template: str, calendar_method: str, context: dict) -> int:
    """Email everyone with an active registration about a change of the event (time, place, cancellation)."""
    return notifications.registrations_notify(
        event_id=event_id, template=template, calendar_method=calendar_method, context=context
    )
