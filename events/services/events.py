"""The only door through which events and their sessions change state."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from api.models import WebhookEventType
from api.programme import programme_changed
from api.services.webhooks import webhook_emit
from events.content import search_text_for
from events.models import City, Event, Session
from events.services import notifications
from events.services.registrations import event_change_capacity
from events.validation import EARLIEST_DATE, LATEST_DATE, validate_programme_date

# Changing any of these moves the event in participants' calendars.
PLACE_FIELDS = ("venue_name", "venue_address", "online_url", "latitude", "longitude")
EVENT_FIELDS = (
    "kind", "area", "title", "summary", "description", "language", "venue_name", "venue_address",
    "latitude", "longitude", "online_url", "online_note", "capacity", "requires_approval",
    "registration_opens_at", "registration_closes_at", "eligibility_percent", "learning_outcomes",
)


class EventError(Exception):
    """A requested change that the event's state does not allow; ``str()`` is a translated message for the user."""


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")


# A description without a column limit still has one as a translation; a page of text is plenty.
DESCRIPTION_MAX_LENGTH = 20_000


def _max_length(model: type, field: str) -> int:
    return model._meta.get_field(field).max_length or DESCRIPTION_MAX_LENGTH


def clean_translations(
    translations: dict[str, dict[str, str]] | None, *, model: type, source_language: str
) -> dict[str, dict[str, str]]:
    """``{lang: {field: text}}`` with site languages and translatable fields only, within the column's
    length, trimmed, empty ones dropped. The source language has no translation: it is the columns."""
    available = dict(settings.LANGUAGES)
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(translations, dict):
        if translations:
            raise EventError(_("Translations must be given per language."))
        return cleaned
    for code, values in translations.items():
        if code not in available:
            raise EventError(_("“%(code)s” is not a language of this site.") % {"code": code})
        if not isinstance(values, dict):
            raise EventError(_("Translations must be given per language."))
        texts: dict[str, str] = {}
        for field, text in values.items():
            if field not in model.TRANSLATABLE_FIELDS:
                raise EventError(_("“%(field)s” cannot be translated.") % {"field": field})
            if not isinstance(text, str):
                raise EventError(_("Translations must be given per language."))
            text = text.strip()
            limit = _max_length(model, field)
            if len(text) > limit:
                raise EventError(
                    ngettext(
                        "The translation of “%(field)s” into %(language)s is longer than %(max)d character.",
                        "The translation of “%(field)s” into %(language)s is longer than %(max)d characters.",
                        limit,
                    )
                    % {"language": available[code], "field": model._meta.get_field(field).verbose_name, "max": limit}
                )
            if text:
                texts[field] = text
        if texts and code == source_language:
            raise EventError(
                _("%(language)s is the language of delivery: write that text in the main fields, not as a translation.")
                % {"language": available[code]}
            )
        if texts:
            cleaned[code] = texts
    return cleaned


def _event_search_text(event: Event) -> str:
    # The place's names too, so "linkoping" finds Linköping's programme; then the texts in every language.
    texts = [event.city.name, event.venue_name, event.title, event.summary, event.description]
    for code in sorted(event.translations or {}):
        values = event.translations[code]
        texts += [values.get(field, "") for field in Event.TRANSLATABLE_FIELDS]
    return search_text_for(*texts)


def _lock_for_sessions(event: Event) -> None:
    """The event row before its sessions: a session change then updates its event, and
    ``event_cancel`` locks the event and then updates its sessions — taken in the other order,
    the two would deadlock each other."""
    Event.objects.lock(event.pk)


def _refresh_event_dates(event: Event) -> None:
    """After any change to an event's sessions: its span, and its ``updated_at``.

    A session's change is a change of its event: public calendar feeds fingerprint the
    events only (events/views/calendar.py), so every session service ends here.
    """
    bounds = Session.objects.filter(event=event).aggregate(start=Min("starts_at"), end=Max("ends_at"))
    start, end = bounds["start"], bounds["end"]
    now = timezone.now()
    if (start, end) == (event.starts_at, event.ends_at):
        Event.objects.filter(pk=event.pk).update(updated_at=now)
        event.updated_at = now
        return
    # The event's span is its time in calendars that show it as one entry, so clients need a new SEQUENCE.
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=end, sequence=F("sequence") + 1, updated_at=now)
    event.starts_at, event.ends_at, event.updated_at = start, end, now
    event.sequence += 1


class _ChangedNotification:
    """An on-commit callback telling participants that an event's time or place changed."""

    def __init__(self, event_id: int):
        self.event_id = event_id

    def __call__(self) -> None:
        notifications.event_changed_notify(event_id=self.event_id)


def _notify_changed(event: Event) -> None:
    """Tell registered participants, after commit, that time or place changed.

    An organizer saving the event form may move the venue and three sessions in one
    transaction; participants must get one message about it, not four. Scanning the
    pending callbacks (rather than remembering in a flag) stays right when a savepoint
    rolls back, because Django drops that savepoint's callbacks from the same list.
    """
    _webhook(WebhookEventType.EVENT_CHANGED, event)
    connection = transaction.get_connection()
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _ChangedNotification) and func.event_id == event.pk:
            return
    transaction.on_commit(_ChangedNotification(event.pk))


class _WebhookMarker:
    """A no-op on-commit callback marking "event.changed already queued in this transaction"."""

    def __init__(self, event_id: int):
        self.event_id = event_id

    def __call__(self) -> None:
        pass


def _webhook(event_type: str, event: Event) -> None:
    """The webhook outbox rows of an event change, in the change's transaction; one "changed" per transaction.

    Like ``_notify_changed``, the marker lives in the pending callbacks, so a rolled-back savepoint
    takes its marker with its rows.
    """
    if event_type == WebhookEventType.EVENT_CHANGED:
        connection = transaction.get_connection()
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _WebhookMarker) and func.event_id == event.pk:
                return
        transaction.on_commit(_WebhookMarker(event.pk))
    webhook_emit(event_type=event_type, city_id=event.city_id, data={"event": event.pk})


def _shift_local(value: datetime | None, shift: timedelta, city: City) -> datetime | None:
    """Move an instant by ``shift`` on the city's wall clock, so 10:00 stays 10:00 across a DST change.

    Raises ``EventError`` when the result would leave the years the site plans for.
    """
    if value is None:
        return None
    try:
        shifted = (timezone.localtime(value, city.tzinfo) + shift).astimezone(UTC)
        validate_programme_date(shifted)
    except (OverflowError, ValidationError):
        raise EventError(
            _("The copy would fall outside %(earliest)s – %(latest)s. Choose a smaller shift.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
        ) from None
    return shifted


@transaction.atomic
def event_create(
    *,
    city: City,
    created_by: User | None,
    trainers: Iterable[User] = (),
    translations: dict[str, dict[str, str]] | None = None,
    **fields: Any,
) -> Event:
    """A draft event. ``translations`` are its texts in other languages: ``{lang: {"title": ..., ...}}``."""
    _check_fields(fields)
    event = Event(city=city, created_by=created_by, status=Event.Status.DRAFT, **fields)
    event.translations = clean_translations(translations, model=Event, source_language=event.language)
    event.search_text = _event_search_text(event)
    event.full_clean(exclude=["starts_at", "ends_at"])
    event.render_descriptions()
    event.save()
    event.trainers.set(trainers)
    programme_changed()
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    trainers: Iterable[User] | None = None,
    translations: dict[str, dict[str, str]] | None = None,
    **fields: Any,
) -> Event:
    """Change an event's fields, and its translations when given (they replace the stored ones).
    Capacity goes through the registration service.

    Raises ``RegistrationError`` when the new capacity is below the confirmed registrations, and
    ``EventError`` for translations in unknown languages, too long, or in the language of delivery.
    """
    _check_fields(fields)
    language = fields.get("language", event.language)
    if translations is not None:
        new_translations = clean_translations(translations, model=Event, source_language=language)
    else:
        new_translations = clean_translations(event.translations, model=Event, source_language=language)
    if "capacity" in fields:
        capacity = fields.pop("capacity")
        if capacity != event.capacity:
            event.capacity = event_change_capacity(event=event, capacity=capacity).capacity
    # Decimal("56.95") and the stored Decimal("56.950000") are the same place: compare values, not text.
    place_changed = any(getattr(event, name) != fields[name] for name in PLACE_FIELDS if name in fields)
    for name, value in fields.items():
        setattr(event, name, value)
    event.translations = new_translations
    event.search_text = _event_search_text(event)
    if place_changed:
        event.sequence += 1
    event.full_clean(exclude=["starts_at", "ends_at"])
    rendered = []
    if "description" in fields or translations is not None:
        event.render_descriptions()
        rendered = ["description_html", "description_html_translations"]
    # Only what this function owns: the dates are the sessions' business and may have moved in this transaction.
    event.save(update_fields=[*fields, *rendered, "translations", "search_text", "sequence", "updated_at"])
    if trainers is not None:
        event.trainers.set(trainers)
    programme_changed()
    if event.status == Event.Status.PUBLISHED:
        _webhook(WebhookEventType.EVENT_CHANGED, event)
    if place_changed and event.status == Event.Status.PUBLISHED:
        Session.objects.filter(event=event).update(sequence=F("sequence") + 1, updated_at=timezone.now())
        _notify_changed(event)
    return event


@transaction.atomic
def event_publish(*, event: Event) -> Event:
    """Make a draft public. It needs at least one session so people know when to come."""
    locked = Event.objects.lock(event.pk)
    if locked.status == Event.Status.CANCELLED:
        raise EventError(_("A cancelled event cannot be published again. Duplicate it to plan a new one."))
    if locked.status == Event.Status.PUBLISHED:
        return locked
    if not Session.objects.filter(event=locked).exists():
        raise EventError(_("Add at least one session before publishing the event."))
    locked.status = Event.Status.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    programme_changed()
    _webhook(WebhookEventType.EVENT_PUBLISHED, locked)
    event.status = locked.status
    return locked


@transaction.atomic(durable=True)
def event_cancel(*, event: Event, actor: User | None, reason: str = "") -> Event:
    """Cancel, keeping the event and its registrations so everyone can see what happened.

    Only published events are cancelled: a draft was never announced, and cancelling it
    would make it appear in the public programme for the first time.
    """
    locked = Event.objects.lock(event.pk)
    if locked.status == Event.Status.CANCELLED:
        return locked
    if locked.status != Event.Status.PUBLISHED:
        raise EventError(_("Only a published event can be cancelled. A draft stays hidden until you publish it."))
    now = timezone.now()
    locked.status = Event.Status.CANCELLED
    locked.cancelled_at = now
    locked.sequence += 1
    locked.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    programme_changed()
    _webhook(WebhookEventType.EVENT_CANCELLED, locked)
    Session.objects.filter(event=locked).update(sequence=F("sequence") + 1, updated_at=now)
    event_id = locked.pk
    transaction.on_commit(lambda: notifications.event_cancelled_notify(event_id=event_id, reason=reason))
    return locked


@transaction.atomic(durable=True)
def event_duplicate(*, event: Event, actor: User, shift: timedelta = timedelta(0)) -> Event:
    """A draft copy with the same sessions moved by ``shift`` on the city's clock, without registrations."""
    city = event.city
    fields = {name: getattr(event, name) for name in EVENT_FIELDS}
    for name in ("registration_opens_at", "registration_closes_at"):
        fields[name] = _shift_local(fields[name], shift, city)
    copy = event_create(
        city=city, created_by=actor, trainers=event.trainers.all(), translations=event.translations, **fields
    )
    Session.objects.bulk_create(
        Session(
            event=copy,
            title=s.title,
            translations=s.translations,
            starts_at=_shift_local(s.starts_at, shift, city),
            ends_at=_shift_local(s.ends_at, shift, city),
            room=s.room,
        )
        for s in Session.objects.filter(event=event)
    )
    _refresh_event_dates(copy)
    return copy


@transaction.atomic
def session_create(
    *,
    event: Event,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
    room: str = "",
    translations: dict[str, dict[str, str]] | None = None,
) -> Session:
    session = Session(event=event, starts_at=starts_at, ends_at=ends_at, title=title, room=room)
    session.translations = clean_translations(translations, model=Session, source_language=event.language)
    session.full_clean(exclude=["event"])
    _lock_for_sessions(event)
    session.save()
    _refresh_event_dates(event)
    programme_changed()
    if event.status == Event.Status.PUBLISHED:
        _notify_changed(event)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
    room: str = "",
    translations: dict[str, dict[str, str]] | None = None,
) -> Session:
    """Change a session; ``translations`` (``{lang: {"title": ...}}``) replace the stored ones when given."""
    moved = (session.starts_at, session.ends_at, session.room) != (starts_at, ends_at, room)
    if translations is not None:
        session.translations = clean_translations(
            translations, model=Session, source_language=session.event.language
        )
    session.starts_at, session.ends_at, session.title, session.room = starts_at, ends_at, title, room
    if moved:
        session.sequence += 1
    session.full_clean(exclude=["event"])
    _lock_for_sessions(session.event)
    session.save()
    _refresh_event_dates(session.event)
    programme_changed()
    if moved and session.event.status == Event.Status.PUBLISHED:
        _notify_changed(session.event)
    return session


@dataclass(frozen=True)
class SessionEdit:
    """One row of a sessions form: ``pk`` None adds a session; ``values`` are ``session_create`` /
    ``session_update``'s keywords (starts_at, ends_at, title, room, translations)."""

    pk: int | None
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    delete: bool = False


@dataclass
class SessionsSaved:
    created: list[Session] = dataclasses.field(default_factory=list)
    updated: list[Session] = dataclasses.field(default_factory=list)
    deleted: list[Session] = dataclasses.field(default_factory=list)


@transaction.atomic
def event_sessions_save(*, event: Event, edits: Iterable[SessionEdit]) -> SessionsSaved:
    """Apply a sessions form (the organizer's event editor, the admin's inline) to ``event`` in one
    transaction: removals first, then changes and additions, each through the session services, so
    participants get one message about it all. A session removed by someone else since the form
    was loaded is skipped."""
    edits = list(edits)
    # Fresh rows: a form's own instances hold the submitted values once it has been validated.
    stored = {session.pk: session for session in Session.objects.filter(event=event)}
    for session in stored.values():
        session.event = event
    saved = SessionsSaved()
    for edit in edits:
        if edit.delete and edit.pk in stored:
            session_delete(session=stored[edit.pk])
            saved.deleted.append(stored[edit.pk])
    for edit in edits:
        if edit.delete:
            continue
        if edit.pk is None:
            saved.created.append(session_create(event=event, **edit.values))
        elif edit.pk in stored:
            saved.updated.append(session_update(session=stored[edit.pk], **edit.values))
    return saved


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Remove a session; participants' calendars get a CANCEL for it and the update of the rest."""
    event = session.event
    withdrawn = _withdrawn_session(session)
    _lock_for_sessions(event)
    session.delete()
    _refresh_event_dates(event)
    programme_changed()
    if event.status == Event.Status.PUBLISHED:
        _notify_withdrawn(event, withdrawn)
        _notify_changed(event)


def _withdrawn_session(session: Session) -> dict[str, Any]:
    """What a CANCEL for a deleted session needs, as plain data for a task (the row will be gone)."""
    return {
        "id": session.pk,
        "title": session.title,
        "room": session.room,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "created_at": session.created_at.isoformat(),
        # Above every SEQUENCE its REQUESTs carried, so clients accept the cancellation.
        "sequence": session.sequence + 1,
    }


class _WithdrawnNotification:
    """An on-commit callback sending a CANCEL for the sessions deleted in one transaction."""

    def __init__(self, event_id: int):
        self.event_id = event_id
        self.sessions: list[dict[str, Any]] = []

    def __call__(self) -> None:
        notifications.sessions_withdrawn_notify(event_id=self.event_id, sessions=self.sessions)


def _notify_withdrawn(event: Event, withdrawn: dict[str, Any]) -> None:
    """One cancellation per participant for all the sessions a transaction deletes (see _notify_changed)."""
    connection = transaction.get_connection()
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _WithdrawnNotification) and func.event_id == event.pk:
            func.sessions.append(withdrawn)
            return
    callback = _WithdrawnNotification(event.pk)
    callback.sessions.append(withdrawn)
    transaction.on_commit(callback)
