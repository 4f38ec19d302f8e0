"""The only door through which attendance changes: sheets, scanned or typed codes,
self check-in from the room's screen and walk-ins.

Every write locks the session row first, so two trainers scanning the same person at
once, or a "mark all" racing a scan, serialise on one row and counts stay exact. Only
confirmed registrations of the session's own event can be marked.

The read helpers at the end build the querysets the attendance pages need, so each
page costs a fixed number of queries whatever the number of participants.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Attendance, Registration, Session
from events.services.registrations import RegistrationError, registration_add_by_email

# Participants arrive early; a room code shown on the screen before the start must already work.
SELF_CHECKIN_OPENS_BEFORE = timedelta(minutes=30)

# Codes are printed in groups and typed on phones: tolerate spaces, dashes and lower case.
_CODE_NOISE = re.compile(r"[\s\-_.]+")
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{4,16}$")


class AttendanceError(Exception):
    """A change that is not allowed; ``str()`` is a translated message for the user."""


@dataclass(frozen=True)
class CheckinResult:
    """The outcome of one check-in attempt, shown to the trainer or the participant as is."""

    CHECKED_IN = "checked_in"
    ALREADY = "already_checked_in"
    WRONG_EVENT = "wrong_event"
    ROOM_CODE = "room_code"
    UNKNOWN = "unknown_code"
    NOT_CONFIRMED = "not_confirmed"
    NOT_REGISTERED = "not_registered"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    CANCELLED = "event_cancelled"

    status: str
    message: str
    session: Session | None = None
    registration: Registration | None = None
    attendance: Attendance | None = None

    @property
    def ok(self) -> bool:
        """True when the person is now counted present, whether by this attempt or an earlier one."""
        return self.status in (self.CHECKED_IN, self.ALREADY)

    @property
    def tone(self) -> str:
        """How the answer should look: "ok", "already", "warning" (a trainer can sort it out) or "refused"."""
        if self.status == self.CHECKED_IN:
            return "ok"
        if self.status == self.ALREADY:
            return "already"
        if self.status in (self.NOT_CONFIRMED, self.TOO_EARLY, self.TOO_LATE):
            return "warning"
        return "refused"


def normalize_code(raw: str) -> str:
    """The canonical form of a typed or scanned code, or "" when it cannot be one."""
    code = _CODE_NOISE.sub("", raw or "").upper()
    return code if _CODE_SHAPE.match(code) else ""


def format_code(code: str) -> str:
    """A code in groups of five, easier to read aloud and to type."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


def _lock_session(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def _participant_name(registration: Registration) -> str:
    return registration.user.display_name


def _write(
    *, session: Session, registration: Registration, present: bool, actor: User | None, method: str
) -> tuple[Attendance, bool]:
    """Set one attendance under the session lock; returns it and whether anything changed.

    Re-marking the same state keeps the first record, so the time and method of the
    original check-in survive a second scan or a re-saved sheet.
    """
    attendance = Attendance.objects.filter(session=session, registration=registration).first()
    if attendance is None:
        attendance = Attendance.objects.create(
            session=session, registration=registration, present=present, method=method,
            marked_by=actor, marked_at=timezone.now(),
        )
        return attendance, True
    if attendance.present == present:
        return attendance, False
    attendance.present = present
    attendance.method = method
    attendance.marked_by = actor
    attendance.marked_at = timezone.now()
    attendance.save(update_fields=["present", "method", "marked_by", "marked_at"])
    return attendance, True


def _check_markable(*, session: Session, registration: Registration) -> None:
    if registration.event_id != session.event_id:
        raise AttendanceError(_("This participant is not registered for this event."))
    if registration.status != Registration.Status.CONFIRMED:
        raise AttendanceError(
            _("Only confirmed registrations can be marked; %(name)s is: %(status)s.")
            % {"name": _participant_name(registration), "status": registration.get_status_display()}
        )


@transaction.atomic
def attendance_mark(
    *,
    session: Session,
    registration: Registration,
    present: bool,
    actor: User | None,
    method: str = Attendance.Method.SHEET,
) -> Attendance:
    """Mark one confirmed participant present or absent at one session."""
    locked = _lock_session(session)
    # Re-read under the lock: the registration may have been cancelled since the page was drawn.
    current = Registration.objects.select_related("user").get(pk=registration.pk)
    _check_markable(session=locked, registration=current)
    attendance, _changed = _write(
        session=locked, registration=current, present=present, actor=actor, method=method
    )
    return attendance


@transaction.atomic
def attendance_apply_sheet(*, session: Session, changes: Mapping[int, bool], actor: User | None) -> int:
    """Apply the boxes a trainer toggled on the sheet ({registration id: present}); returns how many changed.

    Only toggled rows are sent, so a sheet saved from a page loaded before someone
    checked in by QR does not undo that check-in. Rows that are no longer confirmed
    (cancelled meanwhile) are skipped rather than failing the whole sheet.
    """
    if not changes:
        return 0
    locked = _lock_session(session)
    registrations = Registration.objects.filter(pk__in=list(changes), event_id=locked.event_id).confirmed()
    changed = 0
    for registration in registrations:
        _attendance, did_change = _write(
            session=locked, registration=registration, present=changes[registration.pk],
            actor=actor, method=Attendance.Method.SHEET,
        )
        changed += did_change
    return changed


@transaction.atomic
def attendance_mark_all_present(*, session: Session, actor: User | None) -> int:
    """Mark every confirmed participant present; returns how many were not present before."""
    locked = _lock_session(session)
    confirmed = Registration.objects.filter(event_id=locked.event_id).confirmed()
    now = timezone.now()
    made_present = Attendance.objects.filter(
        session=locked, registration__in=confirmed, present=False
    ).update(present=True, method=Attendance.Method.SHEET, marked_by=actor, marked_at=now)
    missing = confirmed.exclude(attendances__session=locked).values_list("pk", flat=True)
    new_rows = [
        Attendance(
            session=locked, registration_id=pk, present=True, method=Attendance.Method.SHEET,
            marked_by=actor, marked_at=now,
        )
        for pk in missing
    ]
    Attendance.objects.bulk_create(new_rows)
    return made_present + len(new_rows)


@transaction.atomic
def attendance_checkin_by_code(
    *, session: Session, code: str, actor: User | None, method: str = Attendance.Method.CODE
) -> CheckinResult:
    """A trainer scans (``method=QR``) or types a participant's personal code at the door.

    Scanning twice is harmless; a code of another event or an unknown code is refused
    with a message, never an error page.
    """
    normalized = normalize_code(code)
    registration = (
        Registration.objects.select_related("user").filter(checkin_code=normalized).first() if normalized else None
    )
    if registration is None:
        if normalized and Session.objects.filter(checkin_code=normalized).exists():
            return CheckinResult(
                CheckinResult.ROOM_CODE,
                _("This is the code of a room screen, not of a participant. Scan the participant's personal code."),
                session=session,
            )
        return CheckinResult(
            CheckinResult.UNKNOWN,
            _("This code is not known. Check it and try again, or find the participant on the attendance sheet."),
            session=session,
        )
    if registration.event_id != session.event_id:
        # The other event is not named: the trainer of this event need not learn where else a person goes.
        return CheckinResult(
            CheckinResult.WRONG_EVENT,
            _("This code belongs to a registration for another event. Ask the participant for their code for %(event)s.")
            % {"event": session.event.localized("title").text},
            session=session,
        )
    locked = _lock_session(session)
    registration = Registration.objects.select_related("user").get(pk=registration.pk)
    name = _participant_name(registration)
    if registration.status != Registration.Status.CONFIRMED:
        return CheckinResult(
            CheckinResult.NOT_CONFIRMED,
            _("%(name)s cannot be checked in: the registration is not confirmed (%(status)s).")
            % {"name": name, "status": registration.get_status_display()},
            session=locked,
            registration=registration,
        )
    attendance, changed = _write(session=locked, registration=registration, present=True, actor=actor, method=method)
    if not changed:
        return CheckinResult(
            CheckinResult.ALREADY,
            _("%(name)s is already checked in.") % {"name": name},
            session=locked,
            registration=registration,
            attendance=attendance,
        )
    return CheckinResult(
        CheckinResult.CHECKED_IN,
        _("%(name)s is checked in.") % {"name": name},
        session=locked,
        registration=registration,
        attendance=attendance,
    )


def attendance_add_walk_in(*, session: Session, email: str, actor: User, full_name: str = "") -> Registration:
    """Register someone who turned up without registering, and mark them present.

    Goes through the organizers' registration service (it creates an account and sends
    an invitation to a newcomer). Someone already confirmed is simply marked present.
    A registration that would not be confirmed (the event is full) is rolled back
    whole, account included, with a message saying what to do.
    """
    address = " ".join((email or "").split())
    try:
        validate_email(address)
    except ValidationError:
        raise AttendanceError(_("“%(email)s” is not a valid email address.") % {"email": address})
    with transaction.atomic():
        existing = (
            Registration.objects.select_related("user")
            .filter(event_id=session.event_id, user__email__iexact=address)
            .active()
            .first()
        )
        if existing is not None:
            if existing.status != Registration.Status.CONFIRMED:
                raise AttendanceError(
                    _("%(email)s is already registered but not confirmed (%(status)s). "
                      "Confirm the registration first, then mark them present.")
                    % {"email": address, "status": existing.get_status_display()}
                )
            attendance_mark(session=session, registration=existing, present=True, actor=actor)
            return existing
        try:
            registration = registration_add_by_email(
                event=session.event, email=address, actor=actor, full_name=full_name,
                source=Registration.Source.WALK_IN,
            )
        except RegistrationError as exc:
            raise AttendanceError(str(exc))
        if registration.status != Registration.Status.CONFIRMED:
            raise AttendanceError(
                _("The event is full, so %(email)s could not be given a seat and was not registered. "
                  "Raise the capacity first, then add them again.")
                % {"email": address}
            )
        attendance_mark(session=session, registration=registration, present=True, actor=actor)
    return registration


def self_checkin_window(session: Session) -> tuple[datetime, datetime]:
    return session.starts_at - SELF_CHECKIN_OPENS_BEFORE, session.ends_at


def _local_time(value: datetime, session: Session) -> str:
    city = session.event.city
    local = timezone.localtime(value, city.tzinfo)
    return "%s %s (%s)" % (formats.date_format(local, "DATETIME_FORMAT"), local.tzname(), city.timezone)


def _self_checkin_refusal(
    *, session: Session | None, registration: Registration | None, now: datetime
) -> CheckinResult | None:
    """Why a participant may not check themselves in now, or None when they may."""
    if session is None:
        return CheckinResult(
            CheckinResult.UNKNOWN,
            _("This check-in code is not valid. Check the code on the screen and try again."),
        )
    if session.event.is_cancelled:
        return CheckinResult(CheckinResult.CANCELLED, _("This event has been cancelled."), session=session)
    if registration is None:
        return CheckinResult(
            CheckinResult.NOT_REGISTERED,
            _("You are not registered for this event. Please speak to a trainer at the door."),
            session=session,
        )
    if registration.status != Registration.Status.CONFIRMED:
        return CheckinResult(
            CheckinResult.NOT_CONFIRMED,
            _("Your registration is not confirmed (%(status)s). Please speak to a trainer at the door.")
            % {"status": registration.get_status_display()},
            session=session,
            registration=registration,
        )
    opens, closes = self_checkin_window(session)
    if now < opens:
        return CheckinResult(
            CheckinResult.TOO_EARLY,
            _("Check-in for this session opens at %(time)s.") % {"time": _local_time(opens, session)},
            session=session,
            registration=registration,
        )
    if now > closes:
        return CheckinResult(
            CheckinResult.TOO_LATE,
            _("This session has ended, so you can no longer check in yourself. Please ask a trainer."),
            session=session,
            registration=registration,
        )
    return None


def _session_for_code(session_code: str) -> Session | None:
    normalized = normalize_code(session_code)
    if not normalized:
        return None
    return Session.objects.select_related("event__city").filter(checkin_code=normalized).first()


def _registration_for(*, session: Session, user: User) -> Registration | None:
    """The user's registration for the event, preferring the confirmed one over older cancelled ones."""
    registrations = list(Registration.objects.select_related("user").filter(event_id=session.event_id, user=user))
    registrations.sort(
        key=lambda r: (r.status != Registration.Status.CONFIRMED, not r.is_active, -r.pk)
    )
    return registrations[0] if registrations and registrations[0].is_active else None


def self_checkin_preview(*, session_code: str, user: User, now: datetime | None = None) -> CheckinResult:
    """What checking in would answer, without writing: lets the page explain before the participant taps."""
    now = now or timezone.now()
    session = _session_for_code(session_code)
    registration = _registration_for(session=session, user=user) if session else None
    refusal = _self_checkin_refusal(session=session, registration=registration, now=now)
    if refusal:
        return refusal
    attendance = Attendance.objects.filter(session=session, registration=registration, present=True).first()
    if attendance:
        return CheckinResult(
            CheckinResult.ALREADY, _("You are already checked in."),
            session=session, registration=registration, attendance=attendance,
        )
    return CheckinResult(
        CheckinResult.CHECKED_IN, "", session=session, registration=registration
    )


@transaction.atomic
def attendance_self_checkin(*, session_code: str, user: User, now: datetime | None = None) -> CheckinResult:
    """A signed-in participant checks in with the code shown on the room's screen.

    Accepted from ``SELF_CHECKIN_OPENS_BEFORE`` the start until the end of the session,
    for a confirmed registration of that session's event only.
    """
    now = now or timezone.now()
    session = _session_for_code(session_code)
    if session is not None:
        locked = _lock_session(session)
        locked.event = session.event
        session = locked
    registration = _registration_for(session=session, user=user) if session else None
    refusal = _self_checkin_refusal(session=session, registration=registration, now=now)
    if refusal:
        return refusal
    attendance, changed = _write(
        session=session, registration=registration, present=True, actor=user, method=Attendance.Method.SELF
    )
    if not changed:
        return CheckinResult(
            CheckinResult.ALREADY, _("You are already checked in."),
            session=session, registration=registration, attendance=attendance,
        )
    return CheckinResult(
        CheckinResult.CHECKED_IN, _("You are checked in. Welcome!"),
        session=session, registration=registration, attendance=attendance,
    )


# ----------------------------------------------------------------------------- reads


def confirmed_registrations(session: Session) -> QuerySet[Registration]:
    """Confirmed participants of the session's event with ``is_present``, ``marked_method`` and ``marked_at``.

    One query for any number of participants; ``search_registrations`` sorts them by name.
    """
    this_session = Attendance.objects.filter(session=session, registration=OuterRef("pk"))
    return (
        Registration.objects.filter(event_id=session.event_id).confirmed().filter(user__isnull=False)
        .select_related("user")
        .annotate(
            is_present=Exists(this_session.filter(present=True)),
            marked_method=Subquery(this_session.values("method")[:1]),
            marked_at=Subquery(this_session.values("marked_at")[:1]),
        )
        .order_by("user__full_name", "user__email", "pk")
    )


# Letters NFD does not split into a base and an accent.
_FOLD_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """Lower case without accents, so "lukasz astrom" finds "Łukasz Åström" (the sheet's script folds alike)."""
    decomposed = unicodedata.normalize("NFD", (text or "").casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD_EXTRA).split())


def search_registrations(registrations: Iterable[Registration], query: str) -> list[Registration]:
    """The rows whose shown name contains every word of ``query``, sorted by that name.

    Done in Python over the loaded rows: the databases' case-insensitive matching
    ignores accents on neither engine (and case only for ASCII on SQLite), and their
    sort puts "Łukasz" after "Zoë". One event's participants fit in memory many times over.
    """
    words = fold(query).split()
    rows = [r for r in registrations if all(word in fold(r.user.display_name) for word in words)]
    rows.sort(key=lambda r: (fold(r.user.display_name), r.pk))
    return rows


def session_counts(session: Session) -> dict[str, int]:
    """{"present": n, "total": m} over the confirmed registrations, in one query."""
    return Registration.objects.filter(event_id=session.event_id).confirmed().aggregate(
        # The join fans out over every session's attendance rows, hence distinct.
        total=Count("pk", distinct=True),
        present=Count("pk", filter=Q(attendances__session=session, attendances__present=True), distinct=True),
    )


def sessions_with_counts(event) -> QuerySet[Session]:
    """The event's sessions with ``present_count`` of confirmed participants, in one query."""
    return Session.objects.filter(event=event).with_present_count().order_by("starts_at", "pk")
