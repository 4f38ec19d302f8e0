"""The only door through which registrations change state (create, cancel, approve,
reject, promote) and through which an event's capacity changes.

Every function here runs in a transaction and locks the event row before counting.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from events.models import Event, Registration


class RegistrationError(Exception):
    """A change the event's state does not allow; ``str()`` is a translated message for the user."""


@transaction.atomic
def event_change_capacity(*, event: Event, capacity: int | None) -> Event:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if capacity is not None:
        confirmed = Registration.objects.filter(event=locked, status=Registration.Status.CONFIRMED).count()
        if capacity < confirmed:
            raise RegistrationError(
                _("The capacity cannot be lower than the %(count)d confirmed registrations.") % {"count": confirmed}
            )
    locked.capacity = capacity
    locked.save(update_fields=["capacity", "updated_at"])
    return locked
