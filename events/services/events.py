"""The only door through which events and their sessions change state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from accounts.models import User
from events.models import City, Event, Session

# Changing any of these moves the event in participants' calendars.
PLACE_FIELDS = ("venue_name", "venue_address", "online_url", "latitude", "longitude")
EVENT_FIELDS = (
    "kind", "area", "title", "summary", "description", "language", "venue_name", "venue_address",
    "latitude", "longitude", "online_url", "online_note", "capacity", "requires_approval",
    "registration_opens_at", "registration_closes_at", "eligibility_percent",
)


class EventError(Exception):
    """A requested change that the event's state does not allow; the message is for the user."""


def _refresh_event_dates(event: Event) -> None:
    bounds = Session.objects.filter(event=event).aggregate(start=Min("starts_at"), end=Max("ends_at"))
    event.starts_at, event.ends_at = bounds["start"], bounds["end"]
    Event.objects.filter(pk=event.pk).update(starts_at=event.starts_at, ends_at=event.ends_at)


def _notify_changed(event: Event) -> None:
    """Tell registered participants, after commit, that time or place changed."""
    from events.services import notifications

    event_id = event.pk
    transaction.on_commit(lambda: notifications.event_changed_notify(event_id=event_id))


@transaction.atomic
def event_create(*, city: City, created_by: User | None, trainers: Iterable[User] = (), **fields: Any) -> Event:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = Event(city=city, created_by=created_by, status=Event.Status.DRAFT, **fields)
    event.full_clean(exclude=["starts_at", "ends_at"])
    event.save()
    event.trainers.set(trainers)
    return event


@transaction.atomic
def event_update(*, event: Event, trainers: Iterable[User] | None = None, **fields: Any) -> Event:
    """Change an event's fields. Capacity goes through the registration service."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    if "capacity" in fields and fields["capacity"] != event.capacity:
        from events.services.registrations import event_change_capacity

        event_change_capacity(event=event, capacity=fields.pop("capacity"))
        event.refresh_from_db()
    else:
        fields.pop("capacity", None)
    place_changed = any(str(getattr(event, name)) != str(fields[name]) for name in PLACE_FIELDS if name in fields)
    for name, value in fields.items():
        setattr(event, name, value)
    if place_changed:
        event.sequence += 1
    event.full_clean(exclude=["starts_at", "ends_at"])
    event.save()
    if trainers is not None:
        event.trainers.set(trainers)
    if place_changed and event.status == Event.Status.PUBLISHED:
        Session.objects.filter(event=event).update(sequence=F("sequence") + 1)
        _notify_changed(event)
    return event


@transaction.atomic
def event_publish(*, event: Event) -> Event:
    if event.status == Event.Status.CANCELLED:
        raise EventError("cancelled")
    if not Session.objects.filter(event=event).exists():
        raise EventError("no_sessions")
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status", "updated_at"])
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: User | None, reason: str = "") -> Event:
    """Cancel, keeping the event and its registrations so everyone can see what happened."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.status == Event.Status.CANCELLED:
        return locked
    was_published = locked.status == Event.Status.PUBLISHED
    locked.status = Event.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.sequence += 1
    locked.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    Session.objects.filter(event=locked).update(sequence=F("sequence") + 1, updated_at=timezone.now())
    if was_published:
        from events.services import notifications

        event_id = locked.pk
        transaction.on_commit(lambda: notifications.event_cancelled_notify(event_id=event_id, reason=reason))
    return locked


@transaction.atomic
def event_duplicate(*, event: Event, actor: User, shift: timedelta = timedelta(0)) -> Event:
    """A draft copy with the same sessions moved by ``shift``, without registrations."""
    fields = {name: getattr(event, name) for name in EVENT_FIELDS}
    for name in ("registration_opens_at", "registration_closes_at"):
        if fields[name] is not None:
            fields[name] += shift
    copy = event_create(city=event.city, created_by=actor, trainers=event.trainers.all(), **fields)
    Session.objects.bulk_create(
        Session(event=copy, title=s.title, starts_at=s.starts_at + shift, ends_at=s.ends_at + shift, room=s.room)
        for s in event.sessions.all()
    )
    _refresh_event_dates(copy)
    return copy


@transaction.atomic
def session_create(*, event: Event, starts_at: datetime, ends_at: datetime, title: str = "", room: str = "") -> Session:
    session = Session(event=event, starts_at=starts_at, ends_at=ends_at, title=title, room=room)
    session.full_clean(exclude=["event"])
    session.save()
    _refresh_event_dates(event)
    return session


@transaction.atomic
def session_update(
    *, session: Session, starts_at: datetime, ends_at: datetime, title: str = "", room: str = ""
) -> Session:
    moved = (session.starts_at, session.ends_at, session.room) != (starts_at, ends_at, room)
    session.starts_at, session.ends_at, session.title, session.room = starts_at, ends_at, title, room
    if moved:
        session.sequence += 1
    session.full_clean(exclude=["event"])
    session.save()
    _refresh_event_dates(session.event)
    if moved and session.event.status == Event.Status.PUBLISHED:
        _notify_changed(session.event)
    return session


@transaction.atomic
def session_delete(*, session: Session) -> None:
    event = session.event
    session.delete()
    _refresh_event_dates(event)
    if event.status == Event.Status.PUBLISHED:
        _notify_changed(event)
