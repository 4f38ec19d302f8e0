"""The only door through which registrations change state (create, cancel, approve,
reject, promote, an organizer adding someone by email) and through which an event's
capacity changes.

Beside it: ``registration_answers`` (checking the answers), ``registration_sql`` (the
one-trip PostgreSQL twin of the locked decision below), ``registration_emails`` (what each
change sends, after commit).

Every state change runs in one transaction that locks the event row once, late,
right before counting seats, so two people can never take the same last seat and
the waiting list is in commit order. Promotion from the waiting list happens in
the same transaction as the change that freed the seat: nobody waits while a seat
is free. Emails are queued only after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from api.models import WebhookEventType
from api.programme import programme_changed
from api.services.webhooks import webhook_emit, webhooks_subscribed
from events import permissions
from events import registration_policy as policy
from events.models import Answer, Event, Question, Registration
from events.registration_policy import RegistrationError
from events.services.registration_answers import validate_answers
from events.services.registration_emails import FIRST_EMAIL, Mail, mail_after_commit, promoted_mails
from events.services.registration_sql import OneTripRegistration
from events.validation import MESSAGE_MAX_LENGTH
from outbox.services.emails import email_queue

Status = Registration.Status
Source = Registration.Source

# --------------------------------------------------------------------------- locking and counting


def _webhook(event_type: str, registration: Registration, city_id: int | None = None, hooks=None) -> None:
    """The webhook outbox rows of a registration change, in the change's transaction (ids only)."""
    webhook_emit(
        event_type=event_type,
        city_id=city_id or registration.event.city_id,
        data={"event": registration.event_id, "registration": registration.pk},
        hooks=hooks,
    )


def _lock_event(event_id: int) -> Event:
    """The one row lock that serialises every seat decision of an event.

    Kept as its own function so the race tests can replace it and show the
    overbooking that happens without it. A seat decision may move the event's public
    seat bucket, so the programme gets a new version when (and only if) it commits.
    """
    programme_changed()
    return Event.objects.lock(event_id)


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event).confirmed().count()


def _seats_free(event: Event) -> int | None:
    """Free seats of a locked event; None when the event has no seat limit."""
    if event.capacity is None:
        return None
    return event.seats_left(_confirmed_count(event))


def _next_waiting_rank(event: Event) -> int:
    # Over every registration of the event, not only those still waiting, so a
    # rank is never handed out twice and the list keeps its commit order.
    current = Registration.objects.filter(event=event).aggregate(top=Max("waiting_rank"))["top"]
    return (current or 0) + 1


def _promotion_allowed(event: Event) -> bool:
    # Promoting people into a cancelled or finished event would only send them
    # a misleading "you have a seat" email.
    if event.status != Event.Status.PUBLISHED:
        return False
    return event.ends_at is None or event.ends_at > timezone.now()


def _fill_free_seats(event: Event) -> list[Registration]:
    """Move the first people of the waiting list into free seats of a locked event."""
    if not _promotion_allowed(event):
        return []
    free = _seats_free(event)
    waiting = Registration.objects.filter(event=event).waiting().order_by("waiting_rank", "pk")
    if free is not None:
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    if not promoted:
        return []
    now = timezone.now()
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(status=Status.CONFIRMED, updated_at=now)
    for registration in promoted:
        registration.status = Status.CONFIRMED
        registration.updated_at = now
        _webhook(WebhookEventType.REGISTRATION_PROMOTED, registration, city_id=event.city_id)
    return promoted


def _may_register_others(*, actor: User, event: Event, source: str) -> bool:
    if source == Source.WALK_IN:
        return permissions.can_add_walk_in(actor, event)
    return permissions.can_manage_registrations(actor, event)


# --------------------------------------------------------------------------- the services


@dataclass
class _Tally:
    confirmed: int
    waiting: int
    top_rank: int
    mine_active: int
    mine_rejected: int


def _tally_statement(event_id: int, user_id: int) -> tuple[str, tuple]:
    """The SQL of everything registering needs to know about an event, compiled now.

    It runs once the event row is locked, and the lock is where registrations
    queue: building and compiling this five-aggregate query costs several times
    more Python than running it, so that part happens before the lock is taken.
    """
    query = (
        Registration.objects.filter(event_id=event_id)
        .values("event_id")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            waiting=Count("pk", filter=Q(status=Status.WAITING)),
            top_rank=Max("waiting_rank"),
            mine_active=Count("pk", filter=Q(user_id=user_id, status__in=Registration.ACTIVE_STATUSES)),
            mine_rejected=Count("pk", filter=Q(user_id=user_id, status=Status.REJECTED)),
        )
        .order_by()
    ).query
    return query.sql_with_params()


def _run_tally(statement: tuple[str, tuple]) -> _Tally:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
    if row is None:  # no registration yet: the GROUP BY has no group
        return _Tally(confirmed=0, waiting=0, top_rank=0, mine_active=0, mine_rejected=0)
    values = dict(zip(names, row, strict=True))
    return _Tally(
        confirmed=values["confirmed"],
        waiting=values["waiting"],
        top_rank=values["top_rank"] or 0,
        mine_active=values["mine_active"],
        mine_rejected=values["mine_rejected"],
    )


# The codes RegistrationError has always used, where they differ from the policy's.
_ERROR_CODE = {policy.DRAFT: "closed"}


def _register_locked(
    *, event_id: int, registration: Registration, tally_statement: tuple[str, tuple], by_organizer: bool
) -> Event:
    """Lock the event and decide ``registration``'s status, or say why it cannot be made."""
    locked = _lock_event(event_id)
    # The window and the event's state first: they need no count.
    refusal = policy.registration_refusal(locked, by_organizer=by_organizer)
    if refusal is None:
        tally = _run_tally(tally_statement)
        # Registering again after a rejection would ask the organizers the question they already answered.
        refusal = policy.registration_refusal(
            locked, registered=bool(tally.mine_active), declined=bool(tally.mine_rejected), by_organizer=by_organizer
        )
    if refusal is not None:
        raise RegistrationError(policy.refusal_message(refusal), code=_ERROR_CODE.get(refusal, refusal))
    if locked.requires_approval and not by_organizer:
        registration.status = Status.PENDING
    elif locked.capacity is None or tally.confirmed < locked.capacity:
        registration.status = Status.CONFIRMED
    else:
        registration.status = Status.WAITING
        registration.waiting_rank = tally.top_rank + 1
        # Everyone already waiting is ahead: known here without another query.
        registration.position_when_registered = tally.waiting + 1
    return locked


def registration_create(
    *,
    event: Event,
    user: User,
    answers: dict[int, object] | None = None,
    consent_version: str | None = None,
    source: str = Source.ONLINE,
    actor: User | None = None,
    questions: Iterable[Question] | None = None,
) -> Registration:
    """Register ``user`` for ``event``: confirmed, waiting or pending approval.

    Online registrations need an open registration window, answers to the required
    questions and data-protection consent. Organizers (``source`` organizer or
    walk-in) may register people outside the window, without answers to required
    questions and without approval, but never for a cancelled or draft event.
    ``questions``: the event's questions when the caller has them loaded already.
    A waiting registration comes back with ``position_when_registered``.
    """
    by_organizer = source != Source.ONLINE
    if source not in Source.values:
        raise RegistrationError(_("Unknown registration source."), code="invalid")
    if by_organizer and (actor is None or not _may_register_others(actor=actor, event=event, source=source)):
        raise RegistrationError(_("Only the event's organizers can add participants."), code="not_allowed")
    if not by_organizer and not consent_version:
        raise RegistrationError(
            _("Please confirm that you have read the information notice."), code="consent"
        )
    cleaned = validate_answers(event=event, answers=answers, require_all=not by_organizer, questions=questions)
    registration = Registration(event=event, user=user, source=source, status=Status.CONFIRMED)
    if consent_version:
        registration.consent_text_version = consent_version
        registration.consent_given_at = timezone.now()
    if by_organizer:
        registration.decided_by = actor
        registration.decided_at = timezone.now()
    one_trip = OneTripRegistration.build(registration, cleaned)

    try:
        # Inside a caller's transaction a savepoint keeps a refused insert from spoiling it;
        # on its own the one-trip statement is its own transaction and needs none.
        # A city with webhooks needs the outbox row in the registration's own transaction, so the
        # one-trip statement then runs inside one (the lock is held until that row is written too).
        hooks = webhooks_subscribed(city_id=event.city_id, event_type=WebhookEventType.REGISTRATION_CREATED)
        in_transaction = connection.in_atomic_block or (hooks and one_trip is not None)
        with transaction.atomic() if in_transaction else nullcontext():
            done = one_trip is not None and one_trip.run(registration)
            if done:
                _webhook(WebhookEventType.REGISTRATION_CREATED, registration, hooks=hooks)
                programme_changed()  # the one-trip statement takes the lock without _lock_event
        if not done:
            with transaction.atomic():
                registration.event = _register_locked(
                    event_id=event.pk, registration=registration, tally_statement=_tally_statement(event.pk, user.pk),
                    by_organizer=by_organizer,
                )
                registration.save()
                Answer.objects.bulk_create(
                    Answer(registration=registration, question=question, value=value) for question, value in cleaned
                )
                _webhook(WebhookEventType.REGISTRATION_CREATED, registration, hooks=hooks)
        template, method = FIRST_EMAIL[registration.status]
        context: dict[str, Any] = {"by_organizer": by_organizer}
        if registration.status == Status.WAITING:
            context["position"] = registration.position_when_registered
        # After the commit: at once when that has happened, with the caller's commit otherwise.
        mail_after_commit([Mail(registration.pk, template, method, context, instance=registration)])
    except IntegrityError:
        # The database's own guard against a second active registration, for any
        # path that did not take the lock.
        if Registration.objects.filter(event_id=event.pk, user=user).active().exists():
            raise RegistrationError(_("You are already registered for this event."), code="duplicate")
        # Answers were checked before the lock; an organizer may have removed a question since.
        answered = {question.pk for question, _value in cleaned}
        if answered - set(Question.objects.filter(pk__in=answered).values_list("pk", flat=True)):
            raise RegistrationError(
                _("The questions of this event changed while you were answering. Please check the form again."),
                code="answers",
            )
        raise
    return registration


def _reload(registration: Registration, event: Event) -> Registration:
    fresh = Registration.objects.select_related("user").get(pk=registration.pk)
    fresh.event = event
    return fresh


def _bounded_text(text: str) -> str:
    """A reason or message for the participant, within what the registration row keeps."""
    text = (text or "").strip()
    if len(text) > MESSAGE_MAX_LENGTH:
        raise RegistrationError(
            ngettext(
                "The message is longer than %(max)d character.",
                "The message is longer than %(max)d characters.",
                MESSAGE_MAX_LENGTH,
            )
            % {"max": MESSAGE_MAX_LENGTH},
            code="too_long",
        )
    return text


def registration_cancel(*, registration: Registration, actor: User, reason: str = "") -> Registration:
    """Cancel a registration: by its participant until the event starts, by an organizer any time.

    A freed seat goes to the first person on the waiting list in the same transaction.
    """
    reason = _bounded_text(reason)
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        current = _reload(registration, event)
        is_organizer = permissions.can_manage_registrations(actor, event)
        is_own = actor is not None and actor.pk == current.user_id
        if not (is_own or is_organizer):
            raise RegistrationError(_("You cannot cancel this registration."), code="not_allowed")
        refusal = policy.cancel_refusal(current, by_organizer=is_organizer)
        if refusal is not None:
            raise RegistrationError(policy.refusal_message(refusal), code=refusal)
        was_confirmed = current.status == Status.CONFIRMED
        now = timezone.now()
        current.status = Status.CANCELLED
        current.cancelled_at = now
        current.cancelled_by = actor
        current.cancel_reason = reason
        current.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
        _webhook(WebhookEventType.REGISTRATION_CANCELLED, current)
        promoted = _fill_free_seats(event) if was_confirmed else []
        by_organizer = not is_own
        mail_after_commit(
            [
                Mail(
                    current.pk,
                    "registration_cancelled",
                    # Only a confirmed seat was ever sent as an invitation to withdraw.
                    "CANCEL" if was_confirmed else None,
                    {"by_organizer": by_organizer, "reason": current.cancel_reason},
                ),
                *promoted_mails(promoted),
            ]
        )
    return current


def _require_organizer(actor: User | None, event: Event) -> None:
    if actor is None or not permissions.can_manage_registrations(actor, event):
        raise RegistrationError(_("Only the event's organizers can do this."), code="not_allowed")


def registration_approve(*, registration: Registration, actor: User, message: str = "") -> Registration:
    """Approve a pending registration: confirmed when a seat is free, else onto the waiting list."""
    message = _bounded_text(message)
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        _require_organizer(actor, event)
        current = _reload(registration, event)
        if current.status != Status.PENDING:
            raise RegistrationError(_("Only pending registrations can be approved."), code="state")
        mail_after_commit([_approve_locked(current, event, actor, message)])
    return current


@dataclass(frozen=True)
class ApprovalSummary:
    confirmed: int = 0
    waiting: int = 0
    skipped: int = 0  # no longer pending (decided meanwhile), or not of this event


def registrations_approve_many(
    *, event: Event, actor: User, registration_ids: Iterable[int] | None = None, message: str = ""
) -> ApprovalSummary:
    """Approve several pending registrations of one event (all of them when ``registration_ids``
    is None) in one locked step, oldest first: seats go in registration order, the rest wait."""
    message = _bounded_text(message)
    with transaction.atomic():
        event = _lock_event(event.pk)
        _require_organizer(actor, event)
        pending = Registration.objects.select_related("user").filter(event=event, status=Status.PENDING)
        wanted = None
        if registration_ids is not None:
            wanted = {int(pk) for pk in registration_ids}
            pending = pending.filter(pk__in=wanted)
        confirmed = waiting = 0
        mails = []
        for current in pending.order_by("created_at", "id"):
            current.event = event
            mail = _approve_locked(current, event, actor, message)
            mails.append(mail)
            if current.status == Status.CONFIRMED:
                confirmed += 1
            else:
                waiting += 1
        skipped = len(wanted) - confirmed - waiting if wanted is not None else 0
        mail_after_commit(mails)
    return ApprovalSummary(confirmed=confirmed, waiting=waiting, skipped=skipped)


def _approve_locked(current: Registration, event: Event, actor: User, message: str) -> Mail:
    """The approval itself, with the event row locked by the caller; returns the email to send."""
    free = _seats_free(event)
    current.decision_message = message.strip()
    current.decided_by = actor
    current.decided_at = timezone.now()
    if free is None or free > 0:
        current.status = Status.CONFIRMED
        mail = Mail(current.pk, "registration_approved", "REQUEST", {"message": current.decision_message})
    else:
        current.status = Status.WAITING
        current.waiting_rank = _next_waiting_rank(event)
        mail = Mail(
            current.pk, "registration_waiting", None, {"approved": True, "message": current.decision_message}
        )
    current.save(
        update_fields=["status", "waiting_rank", "decision_message", "decided_by", "decided_at", "updated_at"]
    )
    return mail


def registration_reject(*, registration: Registration, actor: User, message: str = "") -> Registration:
    """Turn down a pending, waiting or confirmed registration; a freed seat is filled at once."""
    message = _bounded_text(message)
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        _require_organizer(actor, event)
        current = _reload(registration, event)
        if not current.is_active:
            raise RegistrationError(_("This registration is no longer active."), code="state")
        was_confirmed = current.status == Status.CONFIRMED
        current.status = Status.REJECTED
        current.decision_message = message
        current.decided_by = actor
        current.decided_at = timezone.now()
        current.save(update_fields=["status", "decision_message", "decided_by", "decided_at", "updated_at"])
        promoted = _fill_free_seats(event) if was_confirmed else []
        mail_after_commit(
            [
                Mail(
                    current.pk,
                    "registration_rejected",
                    "CANCEL" if was_confirmed else None,
                    {"message": current.decision_message},
                ),
                *promoted_mails(promoted),
            ]
        )
    return current


def registration_promote(*, registration: Registration, actor: User) -> Registration:
    """An organizer gives a free seat to one particular person on the waiting list."""
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        _require_organizer(actor, event)
        current = _reload(registration, event)
        if current.status != Status.WAITING:
            raise RegistrationError(_("Only people on the waiting list can be moved up."), code="state")
        if event.status != Event.Status.PUBLISHED:
            raise RegistrationError(_("This event is not open for registration."), code="closed")
        free = _seats_free(event)
        if free is not None and free <= 0:
            raise RegistrationError(
                _("There is no free seat. Raise the capacity or cancel a registration first."), code="full"
            )
        current.status = Status.CONFIRMED
        current.decided_by = actor
        current.decided_at = timezone.now()
        current.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        _webhook(WebhookEventType.REGISTRATION_PROMOTED, current)
        mail_after_commit(promoted_mails([current]))
    return current


def event_change_capacity(*, event: Event, capacity: int | None) -> Event:
    """Set the seat limit (None: unlimited). Never below the confirmed count; new seats go
    to the waiting list at once."""
    if capacity is not None and capacity < 0:
        raise RegistrationError(_("The capacity cannot be negative."), code="capacity")
    with transaction.atomic():
        locked = _lock_event(event.pk)
        if capacity is not None:
            confirmed = _confirmed_count(locked)
            if capacity < confirmed:
                raise RegistrationError(
                    ngettext(
                        "The capacity cannot be lower than the %(count)d confirmed registration.",
                        "The capacity cannot be lower than the %(count)d confirmed registrations.",
                        confirmed,
                    )
                    % {"count": confirmed},
                    code="capacity",
                )
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
        promoted = _fill_free_seats(locked)
        mail_after_commit(promoted_mails(promoted))
    event.capacity = locked.capacity
    return locked


# --------------------------------------------------------------------------- people registered by an organizer


def _invitation_language(event: Event) -> str:
    """The language a person we know nothing about most likely reads: the event's, else the city's."""
    available = dict(settings.LANGUAGES)
    for candidate in (event.language, event.city.default_language):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def account_password_set_url(*, user: User) -> str:
    """An absolute link where ``user`` chooses a password (allauth's reset-from-key page).

    allauth's token hashes the password and the last login, so the link stops working once
    a password has been set or the person has logged in, and after PASSWORD_RESET_TIMEOUT.
    """
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def _send_account_invitation(*, user: User, event: Event, actor: User | None) -> None:
    password_set_url = account_password_set_url(user=user)
    email_queue(
        user=user,
        template="account_invitation",
        event=event,
        # The link sets the account's password: masked in the stored copy, dropped once sent.
        secrets=[password_set_url],
        context={
            "password_set_url": password_set_url,
            "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "invited_by": actor.display_name if actor else "",
            "link_valid_days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        },
        # Adding the same person to the same event twice must not invite them twice.
        dedupe_key=f"account_invitation:{user.pk}:{event.pk}",
    )


def _never_signed_in(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


@transaction.atomic
def registration_add_by_email(
    *,
    event: Event,
    email: str,
    actor: User,
    full_name: str = "",
    source: str = Registration.Source.ORGANIZER,
) -> Registration:
    """Register the person with ``email`` for ``event`` on an organizer's behalf.

    Someone without an account gets one with no usable password and an invitation to choose
    one; the account is created in the same transaction as the registration, so a refused
    registration (event full and closed, already registered...) leaves no stray account.
    Raises ``RegistrationError`` for an unusable address and whatever ``registration_create``
    refuses.
    """
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise RegistrationError(_("“%(email)s” is not a valid email address.") % {"email": address}, code="invalid")

    user = User.objects.filter(email__iexact=address).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=address,
                    password=None,  # unusable: the person chooses one through the invitation link
                    full_name=" ".join(full_name.split()),
                    preferred_language=_invitation_language(event),
                )
                # Unverified: an address copied from paper proves nothing. allauth asks the
                # person to confirm it at their first login.
                EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        except IntegrityError:
            # Another organizer (or the person, signing up) created the account a moment ago.
            user = User.objects.get(email__iexact=address)
    invite = _never_signed_in(user)

    try:
        registration = registration_create(event=event, user=user, source=source, actor=actor)
    except RegistrationError as error:
        if error.code == "duplicate":
            # The service speaks to the participant; here the reader is the organizer.
            raise RegistrationError(
                _("%(email)s is already registered for this event.") % {"email": user.email}, code="duplicate"
            )
        raise
    if invite:
        _send_account_invitation(user=user, event=event, actor=actor)
    return registration


# --------------------------------------------------------------------------- reads


def waiting_position(*, registration: Registration) -> int | None:
    """1 for the first person on the waiting list; None when not waiting."""
    return registration.waiting_position()


def event_registration_counts(*, event: Event) -> dict:
    """Registrations per status and the seats left (None: no seat limit), in one query."""
    counts = Registration.objects.filter(event=event).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Status.values}
    )
    seats_left = event.seats_left(counts[Status.CONFIRMED])
    return {**counts, "seats_left": seats_left}


def registrations_for_admin(*, event: Event) -> QuerySet[Registration]:
    """The event's registrations with participant, answers (and their questions) and waiting position.

    ``waiting_pos`` (``RegistrationQuerySet.with_waiting_position``) is 1 for the first in line,
    None for anyone not waiting.
    """
    return (
        # Anonymised rows (retention, deleted accounts) are counts, not people: never listed.
        Registration.objects.filter(event=event, user__isnull=False)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").order_by("question__position", "question_id"),
            )
        )
        .with_waiting_position()
    )
