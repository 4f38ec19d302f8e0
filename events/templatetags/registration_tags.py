"""What the registration box on an event page shows to the person reading it."""

from django import template

from events import registration_policy as policy

register = template.Library()

# The box's state for each reason the reader may not register.
_STATE = {policy.DRAFT: "draft", policy.DUPLICATE: "registered"}


@register.simple_tag
def registration_state(event, registration):
    """``{"state": ..., "registration": ..., "position": ..., "can_cancel": ...}`` for the reader.

    ``registration``: the reader's latest registration of ``event`` that is not cancelled
    (None for visitors), with ``waiting_pos`` (``with_waiting_position``); no queries here.
    States: cancelled, draft, registered (an active registration), declined (turned
    down by the organizers), not_open, closed, open.
    """
    if registration is not None:
        registration.event = event  # the same row, already loaded
    facts = policy.registration_facts([registration] if registration is not None else [])
    if facts["registered"] and event.status != event.Status.CANCELLED:
        # Someone registered sees their registration, whatever the window says now.
        state = "registered"
    else:
        refusal = policy.registration_refusal(event, **facts)
        state = _STATE.get(refusal, refusal) if refusal else "open"
    position = getattr(registration, "waiting_pos", None) if registration is not None else None
    can_cancel = state == "registered" and policy.cancel_refusal(registration) is None
    return {"state": state, "registration": registration, "position": position, "can_cancel": can_cancel}
