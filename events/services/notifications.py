"""Participant notifications about events changing. Filled in by the registration work."""


def event_changed_notify(*, event_id: int) -> None:
    """Email everyone registered that the event's time or place changed."""


def event_cancelled_notify(*, event_id: int, reason: str = "") -> None:
    """Email everyone registered that the event is cancelled."""
