"""What the registration box on an event page shows to the person reading it."""

from django import template
from django.utils import timezone

from events.models import Event, Registration
from events.services.registrations import waiting_position

register = template.Library()


@register.simple_tag
def registration_state(event, user):
    """``{"state": ..., "registration": ..., "position": ...}`` for ``user`` and ``event``.

    States: cancelled, draft, registered (an active registration), declined (turned
    down by the organizers), not_open, closed, open. At most two queries.
    """
    registration = None
    if user is not None and user.is_authenticated:
        registration = (
            Registration.objects.filter(event=event, user=user)
            .exclude(status=Registration.Status.CANCELLED)
            .order_by("-pk")
            .first()
        )
    if event.status == Event.Status.CANCELLED:
        state = "cancelled"
    elif registration is not None and registration.is_active:
        state = "registered"
    elif event.status != Event.Status.PUBLISHED:
        state = "draft"
    elif registration is not None and registration.status == Registration.Status.REJECTED:
        state = "declined"
    elif event.registration_is_open():
        state = "open"
    elif event.registration_opens_at and timezone.now() < event.registration_opens_at:
        state = "not_open"
    else:
        state = "closed"
    position = waiting_position(registration=registration) if registration is not None else None
    can_cancel = (
        state == "registered" and not event.is_cancelled and (event.starts_at is None or event.starts_at > timezone.now())
    )
    return {"state": state, "registration": registration, "position": position, "can_cancel": can_cancel}
