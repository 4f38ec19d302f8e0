"""The only door through which registrations change state (create, cancel, approve,
reject, promote) and through which an event's capacity changes.

Every state change runs in one transaction that locks the event row once, late,
right before counting seats, so two people can never take the same last seat and
the waiting list is in commit order. Promotion from the waiting list happens in
the same transaction as the change that freed the seat: nobody waits while a seat
is free. Emails are queued only after the transaction commits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, sql
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from api.models import WebhookEventType
from api.programme import programme_changed
from api.services.webhooks import webhook_emit, webhooks_subscribed
from events import permissions
from events import registration_policy as policy
from events.background import in_background, run_in_background
from events.models import Answer, Event, OutgoingEmail, Question, Registration
from events.validation import MESSAGE_MAX_LENGTH

logger = logging.getLogger(__name__)

Status = Registration.Status
Source = Registration.Source

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000


class RegistrationError(Exception):
    """A change the event's state does not allow; ``str()`` is a translated message for the user.

    ``code`` names the reason for callers that branch on it ("closed", "cancelled",
    "duplicate", "consent", "answers", "not_allowed", "state", "full", "capacity");
    ``field_errors`` maps question ids to messages when answers are at fault.
    """

    def __init__(self, message: str, *, code: str = "invalid", field_errors: dict[int, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field_errors = field_errors or {}


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


def _event_lock_sql() -> str:
    """``_lock_event`` as SQL, for the one-trip registration: the same lock on the same row.

    A function of its own for the same reason: the race tests take it away.
    """
    quote = connection.ops.quote_name
    return f"SELECT 1 FROM {quote(Event._meta.db_table)} WHERE {quote(Event._meta.pk.column)} = %(event)s FOR UPDATE"


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


# --------------------------------------------------------------------------- emails after commit


@dataclass
class _Mail:
    registration_id: int
    template: str
    calendar_method: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # The registration as just written (with event, city and user), saving a reload
    # for the person who made the change; others are read fresh after commit.
    instance: Registration | None = None


def _mail_after_commit(mails: Iterable[_Mail]) -> None:
    from events.tasks import send_registration_email

    for mail in mails:
        if settings.CELERY_TASK_ALWAYS_EAGER and in_background():
            # No broker: render, store and send after the response, not before it.
            # The registration is committed; a job lost with a killed process is the
            # one gap, as with an in-memory broker.
            def send(mail=mail):
                run_in_background(partial(_send_registration_mail, mail), label=mail.template)
        elif settings.CELERY_TASK_ALWAYS_EAGER:
            def send(mail=mail):
                _send_registration_mail(mail)
        else:
            # With workers, rendering and sending leave the request: only ids travel.
            def send(mail=mail):
                try:
                    send_registration_email.delay(
                        registration_id=mail.registration_id,
                        template=mail.template,
                        calendar_method=mail.calendar_method,
                        context=mail.context,
                    )
                except Exception:
                    # Broker down: store the email here instead, so retry_failed_emails
                    # finds it once the broker is back; it is never lost.
                    logger.warning("Broker unavailable; queueing %s in process", mail.template, exc_info=True)
                    _send_registration_mail(mail)
        # robust: the registration is committed; a failure to queue its email
        # (template error, broker down) must not turn that success into an error page.
        transaction.on_commit(send, robust=True)


def registration_email_send(
    *, registration_id: int, template: str, calendar_method: str | None = None, context: dict | None = None
) -> None:
    """Queue one registration email (the body of the ``send_registration_email`` task)."""
    _send_registration_mail(_Mail(registration_id, template, calendar_method, dict(context or {})))


def _send_registration_mail(mail: _Mail) -> None:
    from events.invitations import registration_invitation
    from events.services.emails import email_queue

    registration = mail.instance or (
        Registration.objects.select_related("event__city", "user").filter(pk=mail.registration_id).first()
    )
    if registration is None or registration.user_id is None:
        # Anonymised meanwhile (a deleted account): nobody to write to.
        return
    context = {"registration": registration, "sessions": list(registration.event.sessions.all()), **mail.context}
    if mail.template == "registration_waiting" and "position" not in context:
        context["position"] = waiting_position(registration=registration)
    calendar = None
    if mail.calendar_method:
        calendar = registration_invitation(registration=registration, method=mail.calendar_method)
    email_queue(
        user=registration.user,
        template=mail.template,
        context=context,
        event=registration.event,
        calendar=calendar,
    )


def _promoted_mails(promoted: Iterable[Registration]) -> list[_Mail]:
    return [_Mail(r.pk, "registration_promoted", "REQUEST") for r in promoted]


def registration_emails_recover(*, older_than: timedelta, within: timedelta = timedelta(days=2)) -> int:
    """Send the first email of registrations that never got one; how many were sent.

    That email leaves after the commit: without a broker it is rendered on a background
    thread of the web process, with one the request hands it to Celery after the
    response's commit. A process killed outright in between (out of memory, SIGKILL)
    loses it, with the registration safely stored. This finds such registrations, made
    between ``within`` and ``older_than`` ago, still unchanged (whatever changed one sent
    its own email), with no first email stored since they were made, and sends it. Run
    twice, it sends nothing twice: the first run's emails are there for the second.
    """
    now = timezone.now()
    templates = [template for template, _method in _FIRST_EMAIL.values()]
    emailed = OutgoingEmail.objects.filter(
        user_id=OuterRef("user_id"),
        event_id=OuterRef("event_id"),
        template__in=templates,
        # A minute's margin for clocks: the row's time may come from another app server.
        created_at__gte=OuterRef("created_at") - timedelta(minutes=1),
    )
    lost = (
        Registration.objects.filter(
            created_at__lt=now - older_than,
            created_at__gte=now - within,
            status__in=list(_FIRST_EMAIL),
            updated_at__lt=F("created_at") + timedelta(seconds=1),
        )
        .exclude(Exists(emailed))
        .select_related("event__city", "user")
        .order_by("created_at", "pk")
    )
    sent = 0
    for registration in lost:
        template, method = _FIRST_EMAIL[registration.status]
        context = {"by_organizer": registration.source != Source.ONLINE}
        _send_registration_mail(_Mail(registration.pk, template, method, context, instance=registration))
        sent += 1
    return sent


# --------------------------------------------------------------------------- answers


def _is_blank(value: object) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _clean_answer(question: Question, value: object) -> object:
    """The stored form of one answer, or ValueError with a message for the user."""
    kind = question.kind
    allowed = {str(choice.get("value")) for choice in question.choices or [] if isinstance(choice, dict)}
    if kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        if not isinstance(value, str):
            raise ValueError(_("Please type your answer as text."))
        value = value.strip()
        limit = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX
        if len(value) > limit:
            raise ValueError(_("Please keep your answer under %(limit)d characters.") % {"limit": limit})
        return value
    if kind == Question.Kind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(_("Please choose one of the offered answers."))
        return value
    if kind == Question.Kind.MULTIPLE_CHOICE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            raise ValueError(_("Please choose among the offered answers."))
        if set(value) - allowed:
            raise ValueError(_("Please choose among the offered answers."))
        # Keep the organizer's order, once each.
        order = [str(choice.get("value")) for choice in question.choices if isinstance(choice, dict)]
        return [option for option in order if option in set(value)]
    if kind == Question.Kind.YES_NO:
        if not isinstance(value, bool):
            raise ValueError(_("Please answer yes or no."))
        return value
    raise ValueError(_("This question cannot be answered."))


def _validate_answers(
    *, event: Event, answers: dict[int, object] | None, require_all: bool, questions: Iterable[Question] | None = None
) -> list[tuple[Question, object]]:
    answers = dict(answers or {})
    if questions is None:
        questions = Question.objects.filter(event=event)
    # Only this event's questions count, whatever the caller passed.
    questions = {q.pk: q for q in questions if q.event_id == event.pk}
    errors: dict[int, str] = {}
    unknown = []
    for key in answers:
        try:
            qid = int(key)
        except (TypeError, ValueError):
            unknown.append(key)
            continue
        if qid not in questions:
            unknown.append(key)
    if unknown:
        raise RegistrationError(
            _("Some answers do not belong to this event's questions. Please reload the form and try again."),
            code="answers",
        )
    by_id = {int(k): v for k, v in answers.items()}
    cleaned: list[tuple[Question, object]] = []
    for qid, question in questions.items():
        value = by_id.get(qid)
        if _is_blank(value):
            if question.required and require_all:
                errors[qid] = _("This question needs an answer.")
            continue
        try:
            cleaned.append((question, _clean_answer(question, value)))
        except ValueError as exc:
            errors[qid] = str(exc)
    if errors:
        raise RegistrationError(_("Please check your answers."), code="answers", field_errors=errors)
    return cleaned


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


class _OneTripRegistration:
    """PostgreSQL: an online registration's whole seat decision in one round trip.

    Two statements travel in one message, which the server runs as one transaction: the
    row lock on the event that every seat change takes, then one statement that reads
    the event, counts, decides confirmed / waiting / pending and inserts the
    registration with its answers. No Python runs between taking the lock and the
    commit, so the lock is held for the database's fraction of a millisecond instead of
    for as long as a busy web thread takes to send its next statement; under a rush
    that wait, not the work, is what makes everyone queue.

    It only takes the ordinary case. When the event is not open, the person is
    registered already or was declined, nothing is inserted and ``run`` answers False:
    the caller then takes the ORM path, which finds the same facts under the same lock
    and says which one it is.
    """

    # Built once per process: the text depends only on the models and the column names.
    _sql: str | None = None
    _fields: list = []

    @classmethod
    def _build_sql(cls) -> str:
        quote = connection.ops.quote_name
        reg, ev, ans = Registration._meta, Event._meta, Answer._meta

        def column(meta, name):
            return quote(meta.get_field(name).column)

        cls._fields = [f for f in reg.local_concrete_fields if f is not reg.auto_field and not f.generated]
        decided = {
            "status": "d.status",
            # A rank only for those who wait; over all rows, so it is never handed out twice.
            "waiting_rank": "CASE WHEN d.status = %(waiting)s THEN d.next_rank END",
            # Taken after the lock, so creation times follow commit order like ids and ranks.
            "created_at": "d.at",
            "updated_at": "d.at",
        }
        values = [decided.get(f.attname, "%(" + f.attname + ")s") for f in cls._fields]
        r_status, r_user, r_event = column(reg, "status"), column(reg, "user"), column(reg, "event")
        closes = f"coalesce(e.{column(ev, 'registration_closes_at')}, e.{column(ev, 'starts_at')})"
        return f"""WITH tally AS (
    SELECT count(*) FILTER (WHERE {r_status} = %(confirmed)s) AS confirmed,
           count(*) FILTER (WHERE {r_status} = %(waiting)s) AS waiting,
           coalesce(max({column(reg, 'waiting_rank')}), 0) AS top_rank,
           count(*) FILTER (WHERE {r_user} = %(user)s AND {r_status} = ANY(%(active)s)) AS mine_active,
           count(*) FILTER (WHERE {r_user} = %(user)s AND {r_status} = %(rejected)s) AS mine_rejected
    FROM {quote(reg.db_table)} WHERE {r_event} = %(event)s
), d AS (
    SELECT CASE WHEN e.{column(ev, 'requires_approval')} THEN %(pending)s
                WHEN e.{column(ev, 'capacity')} IS NULL OR t.confirmed < e.{column(ev, 'capacity')}
                THEN %(confirmed)s ELSE %(waiting)s END AS status,
           t.top_rank + 1 AS next_rank, t.waiting + 1 AS position, clock_timestamp() AS at
    FROM {quote(ev.db_table)} e CROSS JOIN tally t
    WHERE e.{quote(ev.pk.column)} = %(event)s AND e.{column(ev, 'status')} = %(published)s
      AND t.mine_active = 0 AND t.mine_rejected = 0
      AND (e.{column(ev, 'registration_opens_at')} IS NULL OR e.{column(ev, 'registration_opens_at')} <= %(now)s)
      AND ({closes} IS NULL OR %(now)s < {closes})
), new AS (
    INSERT INTO {quote(reg.db_table)} ({", ".join(quote(f.column) for f in cls._fields)})
    SELECT {", ".join(values)} FROM d
    RETURNING {quote(reg.pk.column)}, {r_status}, {column(reg, 'waiting_rank')}, {column(reg, 'created_at')}
), answered AS (
    INSERT INTO {quote(ans.db_table)} ({column(ans, 'registration')}, {column(ans, 'question')}, {column(ans, 'value')})
    SELECT n.{quote(reg.pk.column)}, a.question_id, a.value::jsonb
    FROM new n CROSS JOIN unnest(%(questions)s::bigint[], %(answers)s::text[]) AS a(question_id, value)
)
SELECT n.*, d.position FROM new n CROSS JOIN d"""

    def __init__(self, registration: Registration, cleaned: list[tuple[Question, object]]):
        if _OneTripRegistration._sql is None:
            _OneTripRegistration._sql = self._build_sql()
        query = sql.InsertQuery(Registration)
        query.insert_values(self._fields, [registration])
        compiler = query.get_compiler(connection=connection)
        self.params: dict[str, Any] = {
            f.attname: compiler.prepare_value(f, compiler.pre_save_val(f, registration)) for f in self._fields
        }
        self.params.update(
            event=registration.event_id,
            user=registration.user_id,
            confirmed=Status.CONFIRMED,
            waiting=Status.WAITING,
            pending=Status.PENDING,
            rejected=Status.REJECTED,
            active=list(Registration.ACTIVE_STATUSES),
            published=Event.Status.PUBLISHED,
            questions=[question.pk for question, _value in cleaned],
            answers=[json.dumps(value) for _question, value in cleaned],
        )

    @classmethod
    def build(cls, registration: Registration, cleaned) -> _OneTripRegistration | None:
        if connection.vendor != "postgresql" or registration.source != Source.ONLINE:
            return None
        return cls(registration, cleaned)

    def run(self, registration: Registration) -> bool:
        """Lock, decide and insert; False when this is not the ordinary case."""
        with connection.cursor() as cursor:
            cursor.execute(f"{_event_lock_sql()};\n{self._sql}", {**self.params, "now": timezone.now()})
            cursor.nextset()  # past the lock's own row
            row = cursor.fetchone()
        if row is None:
            return False
        registration.pk, registration.status, registration.waiting_rank, created_at, position = row
        registration.created_at = registration.updated_at = created_at
        if registration.status == Status.WAITING:
            # Everyone already waiting is ahead: known without another query.
            registration.position_when_registered = position
        registration._state.adding = False
        registration._state.db = connection.alias
        return True


# The email a new registration gets, by the status it starts in: (template, calendar method).
_FIRST_EMAIL = {
    Status.CONFIRMED: ("registration_confirmed", "REQUEST"),
    Status.WAITING: ("registration_waiting", None),
    Status.PENDING: ("registration_pending", None),
}


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
    cleaned = _validate_answers(event=event, answers=answers, require_all=not by_organizer, questions=questions)
    registration = Registration(event=event, user=user, source=source, status=Status.CONFIRMED)
    if consent_version:
        registration.consent_text_version = consent_version
        registration.consent_given_at = timezone.now()
    if by_organizer:
        registration.decided_by = actor
        registration.decided_at = timezone.now()
    one_trip = _OneTripRegistration.build(registration, cleaned)

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
        template, method = _FIRST_EMAIL[registration.status]
        context: dict[str, Any] = {"by_organizer": by_organizer}
        if registration.status == Status.WAITING:
            context["position"] = registration.position_when_registered
        # After the commit: at once when that has happened, with the caller's commit otherwise.
        _mail_after_commit([_Mail(registration.pk, template, method, context, instance=registration)])
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
        _mail_after_commit(
            [
                _Mail(
                    current.pk,
                    "registration_cancelled",
                    # Only a confirmed seat was ever sent as an invitation to withdraw.
                    "CANCEL" if was_confirmed else None,
                    {"by_organizer": by_organizer, "reason": current.cancel_reason},
                ),
                *_promoted_mails(promoted),
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
        _mail_after_commit([_approve_locked(current, event, actor, message)])
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
        _mail_after_commit(mails)
    return ApprovalSummary(confirmed=confirmed, waiting=waiting, skipped=skipped)


def _approve_locked(current: Registration, event: Event, actor: User, message: str) -> _Mail:
    """The approval itself, with the event row locked by the caller; returns the email to send."""
    free = _seats_free(event)
    current.decision_message = message.strip()
    current.decided_by = actor
    current.decided_at = timezone.now()
    if free is None or free > 0:
        current.status = Status.CONFIRMED
        mail = _Mail(current.pk, "registration_approved", "REQUEST", {"message": current.decision_message})
    else:
        current.status = Status.WAITING
        current.waiting_rank = _next_waiting_rank(event)
        mail = _Mail(
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
        _mail_after_commit(
            [
                _Mail(
                    current.pk,
                    "registration_rejected",
                    "CANCEL" if was_confirmed else None,
                    {"message": current.decision_message},
                ),
                *_promoted_mails(promoted),
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
        _mail_after_commit(_promoted_mails([current]))
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
        _mail_after_commit(_promoted_mails(promoted))
    event.capacity = locked.capacity
    return locked


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
