from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Answer, Event, Question, Registration
from events.services import registrations as services
from events.services.registrations import (
    RegistrationError,
    event_change_capacity,
    event_registration_counts,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_promote,
    registration_reject,
    waiting_position,
)
from tests.factories import EventFactory, RegistrationFactory, UserFactory

CONSENT = "2026-11"


def register(event, user=None, **kwargs):
    kwargs.setdefault("consent_version", CONSENT)
    return registration_create(event=event, user=user or UserFactory(), **kwargs)


def statuses(event):
    return list(Registration.objects.filter(event=event).order_by("pk").values_list("status", flat=True))


@pytest.fixture
def small_event(city):
    return EventFactory(city=city, capacity=2)


# --------------------------------------------------------------------------- create


@pytest.mark.django_db
def test_registrations_fill_the_seats_then_the_waiting_list_in_order(small_event):
    first, second, third, fourth = (register(small_event) for _ in range(4))
    assert [r.status for r in (first, second, third, fourth)] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert waiting_position(registration=third) == 1
    assert waiting_position(registration=fourth) == 2
    assert waiting_position(registration=first) is None
    assert third.waiting_rank < fourth.waiting_rank


@pytest.mark.django_db
def test_event_without_capacity_confirms_everyone(event):
    assert {register(event).status for _ in range(5)} == {"confirmed"}
    assert event_registration_counts(event=event)["seats_left"] is None


@pytest.mark.django_db
def test_event_needing_approval_keeps_registrations_pending(city):
    event = EventFactory(city=city, capacity=1, requires_approval=True)
    assert register(event).status == "pending"
    assert register(event).status == "pending"
    assert event_registration_counts(event=event)["seats_left"] == 1


@pytest.mark.django_db
def test_consent_is_stored_with_its_version_and_time(event, participant):
    registration = register(event, participant, consent_version="2026-11")
    registration.refresh_from_db()
    assert registration.consent_text_version == "2026-11"
    assert registration.consent_given_at is not None
    assert registration.source == Registration.Source.ONLINE


@pytest.mark.django_db
def test_online_registration_without_consent_is_refused(event, participant):
    with pytest.raises(RegistrationError) as exc:
        registration_create(event=event, user=participant)
    assert exc.value.code == "consent"
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_second_active_registration_is_refused_but_registering_again_after_cancelling_works(event, participant):
    first = register(event, participant)
    with pytest.raises(RegistrationError) as exc:
        register(event, participant)
    assert exc.value.code == "duplicate"
    assert "already registered" in str(exc.value)
    registration_cancel(registration=first, actor=participant)
    again = register(event, participant)
    assert again.status == "confirmed"
    assert statuses(event) == ["cancelled", "confirmed"]


@pytest.mark.django_db
def test_database_constraint_duplicate_becomes_a_registration_error(event, participant, monkeypatch):
    register(event, participant)
    # A path that skipped the check: the unique constraint still refuses the row.
    real_tally = services._run_tally

    def blind_tally(statement):
        tally = real_tally(statement)
        tally.mine_active = 0
        return tally

    monkeypatch.setattr(services, "_run_tally", blind_tally)
    with pytest.raises(RegistrationError) as exc:
        register(event, participant)
    assert exc.value.code == "duplicate"
    assert Registration.objects.filter(event=event).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": Event.Status.CANCELLED}, "cancelled"),
        ({"status": Event.Status.DRAFT}, "closed"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "not_open"),
        ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
    ],
)
def test_closed_events_refuse_online_registrations(city, participant, fields, code):
    event = EventFactory(city=city, **fields)
    with pytest.raises(RegistrationError) as exc:
        register(event, participant)
    assert exc.value.code == code
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_event_that_has_started_refuses_online_registrations(city, participant):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(hours=1))
    with pytest.raises(RegistrationError):
        register(event, participant)


@pytest.mark.django_db
def test_organizer_may_add_people_outside_the_window_without_consent_or_approval(city, organizer, participant):
    event = EventFactory(
        city=city, capacity=1, requires_approval=True, registration_closes_at=timezone.now() - timedelta(days=1)
    )
    registration = registration_create(
        event=event, user=participant, source=Registration.Source.ORGANIZER, actor=organizer
    )
    assert registration.status == "confirmed"
    assert registration.decided_by == organizer
    walk_in = registration_create(event=event, user=UserFactory(), source=Registration.Source.WALK_IN, actor=organizer)
    assert walk_in.status == "waiting"


@pytest.mark.django_db
def test_organizer_cannot_add_people_to_a_cancelled_event(city, organizer, participant):
    event = EventFactory(city=city, status=Event.Status.CANCELLED)
    with pytest.raises(RegistrationError) as exc:
        registration_create(event=event, user=participant, source=Registration.Source.ORGANIZER, actor=organizer)
    assert exc.value.code == "cancelled"


@pytest.mark.django_db
def test_only_organizers_of_the_city_may_use_organizer_sources(event, other_organizer, participant):
    with pytest.raises(RegistrationError) as exc:
        registration_create(
            event=event, user=participant, source=Registration.Source.ORGANIZER, actor=other_organizer
        )
    assert exc.value.code == "not_allowed"
    with pytest.raises(RegistrationError):
        registration_create(event=event, user=participant, source=Registration.Source.WALK_IN, actor=participant)
    assert not Registration.objects.exists()


# --------------------------------------------------------------------------- answers


@pytest.fixture
def questions(event):
    return {
        "diet": Question.objects.create(
            event=event,
            label="Diet",
            kind=Question.Kind.SINGLE_CHOICE,
            required=True,
            choices=[{"value": "veg", "label": "Vegetarian"}, {"value": "any", "label": "Anything"}],
        ),
        "access": Question.objects.create(
            event=event,
            label="Access needs",
            kind=Question.Kind.MULTIPLE_CHOICE,
            choices=[{"value": "wheelchair", "label": "Wheelchair"}, {"value": "loop", "label": "Hearing loop"}],
        ),
        "photos": Question.objects.create(event=event, label="Photos ok?", kind=Question.Kind.YES_NO, required=True),
        "org": Question.objects.create(event=event, label="Organisation", kind=Question.Kind.SHORT_TEXT),
        "notes": Question.objects.create(event=event, label="Anything else", kind=Question.Kind.LONG_TEXT),
    }


@pytest.mark.django_db
def test_answers_are_stored_in_their_typed_form(event, questions, participant):
    q = questions
    registration = register(
        event,
        participant,
        answers={
            q["diet"].pk: "veg",
            q["access"].pk: ["loop", "wheelchair", "loop"],
            q["photos"].pk: False,
            q["org"].pk: "  Riga City Council ",
            q["notes"].pk: "",
        },
    )
    stored = {a.question_id: a.value for a in Answer.objects.filter(registration=registration)}
    assert stored == {
        q["diet"].pk: "veg",
        q["access"].pk: ["wheelchair", "loop"],
        q["photos"].pk: False,
        q["org"].pk: "Riga City Council",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"diet": None}, "diet"),
        ({"diet": "meat"}, "diet"),
        ({"diet": ["veg"]}, "diet"),
        ({"access": ["teleport"]}, "access"),
        ({"photos": "maybe"}, "photos"),
        ({"photos": None}, "photos"),
        ({"org": "x" * 301}, "org"),
        ({"org": 42}, "org"),
    ],
)
def test_bad_answers_are_refused_per_question_and_nothing_is_written(event, questions, participant, bad, field):
    answers = {questions["diet"].pk: "any", questions["photos"].pk: True}
    for name, value in bad.items():
        answers[questions[name].pk] = value
    with pytest.raises(RegistrationError) as exc:
        register(event, participant, answers=answers)
    assert exc.value.code == "answers"
    assert set(exc.value.field_errors) == {questions[field].pk}
    assert not Registration.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_answers_to_another_events_questions_are_refused(event, questions, participant, city):
    foreign = Question.objects.create(event=EventFactory(city=city), label="Elsewhere", kind=Question.Kind.SHORT_TEXT)
    answers = {questions["diet"].pk: "any", questions["photos"].pk: True, foreign.pk: "sneaky"}
    with pytest.raises(RegistrationError) as exc:
        register(event, participant, answers=answers)
    assert exc.value.code == "answers"
    for tampered in ({"not-a-number": "x"}, {999999: "x"}):
        with pytest.raises(RegistrationError):
            register(
                event, participant, answers={questions["diet"].pk: "any", questions["photos"].pk: True, **tampered}
            )
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_organizer_may_skip_required_questions_but_not_give_wrong_answers(event, questions, organizer, participant):
    registration = registration_create(
        event=event, user=participant, source=Registration.Source.ORGANIZER, actor=organizer
    )
    assert registration.status == "confirmed"
    with pytest.raises(RegistrationError):
        registration_create(
            event=event,
            user=UserFactory(),
            source=Registration.Source.ORGANIZER,
            actor=organizer,
            answers={questions["diet"].pk: "meat"},
        )


# --------------------------------------------------------------------------- cancel


@pytest.mark.django_db
def test_cancelling_a_confirmed_seat_promotes_the_first_in_line(small_event):
    a, b, c, d = (register(small_event) for _ in range(4))
    # Rank, not insertion order, decides who is first.
    Registration.objects.filter(pk=c.pk).update(waiting_rank=100)
    registration_cancel(registration=a, actor=a.user)
    d.refresh_from_db()
    c.refresh_from_db()
    assert d.status == "confirmed"
    assert c.status == "waiting"
    assert waiting_position(registration=c) == 1
    a.refresh_from_db()
    assert a.status == "cancelled"
    assert a.cancelled_by == a.user
    assert a.cancelled_at is not None


@pytest.mark.django_db
def test_leaving_the_waiting_list_moves_others_up_without_promoting(small_event):
    regs = [register(small_event) for _ in range(5)]
    registration_cancel(registration=regs[2], actor=regs[2].user)
    assert [r.status for r in Registration.objects.filter(pk__in=[x.pk for x in regs]).order_by("pk")] == [
        "confirmed", "confirmed", "cancelled", "waiting", "waiting",
    ]
    assert waiting_position(registration=Registration.objects.get(pk=regs[3].pk)) == 1


@pytest.mark.django_db
def test_participant_cannot_cancel_once_the_event_has_started_but_an_organizer_can(city, organizer):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(minutes=30))
    registration = RegistrationFactory(event=event)
    with pytest.raises(RegistrationError) as exc:
        registration_cancel(registration=registration, actor=registration.user)
    assert exc.value.code == "started"
    cancelled = registration_cancel(registration=registration, actor=organizer, reason="No-show")
    assert cancelled.status == "cancelled"
    assert cancelled.cancel_reason == "No-show"


@pytest.mark.django_db
def test_strangers_cannot_cancel_and_cancelling_twice_is_refused(event, participant, other_organizer):
    registration = register(event, participant)
    with pytest.raises(RegistrationError) as exc:
        registration_cancel(registration=registration, actor=UserFactory())
    assert exc.value.code == "not_allowed"
    with pytest.raises(RegistrationError):
        registration_cancel(registration=registration, actor=other_organizer)
    registration_cancel(registration=registration, actor=participant)
    with pytest.raises(RegistrationError) as exc:
        registration_cancel(registration=registration, actor=participant)
    assert exc.value.code == "state"
    assert Registration.objects.filter(pk=registration.pk).exists()


@pytest.mark.django_db
def test_cancelling_in_a_cancelled_event_promotes_nobody(small_event, organizer):
    a, _b, c = (register(small_event) for _ in range(3))
    Event.objects.filter(pk=small_event.pk).update(status=Event.Status.CANCELLED)
    registration_cancel(registration=a, actor=organizer)
    c.refresh_from_db()
    assert c.status == "waiting"


# --------------------------------------------------------------------------- approve, reject, promote


@pytest.mark.django_db
def test_approval_confirms_while_seats_last_then_puts_people_on_the_waiting_list(city, organizer):
    event = EventFactory(city=city, capacity=1, requires_approval=True)
    first, second = register(event), register(event)
    approved = registration_approve(registration=first, actor=organizer, message="Welcome!")
    assert approved.status == "confirmed"
    assert approved.decision_message == "Welcome!"
    assert approved.decided_by == organizer
    overflow = registration_approve(registration=second, actor=organizer)
    assert overflow.status == "waiting"
    assert waiting_position(registration=overflow) == 1


@pytest.mark.django_db
def test_only_pending_registrations_can_be_approved_and_only_by_organizers(city, organizer, other_organizer):
    event = EventFactory(city=city, requires_approval=True)
    pending = register(event)
    with pytest.raises(RegistrationError) as exc:
        registration_approve(registration=pending, actor=other_organizer)
    assert exc.value.code == "not_allowed"
    with pytest.raises(RegistrationError):
        registration_approve(registration=pending, actor=pending.user)
    registration_approve(registration=pending, actor=organizer)
    with pytest.raises(RegistrationError) as exc:
        registration_approve(registration=pending, actor=organizer)
    assert exc.value.code == "state"


@pytest.mark.django_db
@pytest.mark.parametrize("position", [0, 2, 3])
def test_reject_works_on_confirmed_pending_or_waiting_and_refills_seats(city, organizer, position):
    event = EventFactory(city=city, capacity=2)
    regs = [register(event) for _ in range(4)]
    target = regs[position]
    rejected = registration_reject(registration=target, actor=organizer, message="Sorry")
    assert rejected.status == "rejected"
    assert rejected.decision_message == "Sorry"
    counts = event_registration_counts(event=event)
    assert counts["confirmed"] == 2
    # A rejected confirmed seat went to the first waiting person at once.
    assert counts["waiting"] == 1
    assert counts["rejected"] == 1


@pytest.mark.django_db
def test_reject_pending(city, organizer):
    event = EventFactory(city=city, requires_approval=True)
    pending = register(event)
    assert registration_reject(registration=pending, actor=organizer).status == "rejected"
    with pytest.raises(RegistrationError):
        registration_reject(registration=pending, actor=organizer)


@pytest.mark.django_db
def test_rejected_person_cannot_register_again_online_but_organizers_can_add_them(event, organizer, participant):
    registration_reject(registration=register(event, participant), actor=organizer)
    with pytest.raises(RegistrationError) as exc:
        register(event, participant)
    assert exc.value.code == "declined"
    added = registration_create(event=event, user=participant, source=Registration.Source.ORGANIZER, actor=organizer)
    assert added.status == "confirmed"


@pytest.mark.django_db
def test_manual_promotion_is_refused_without_a_free_seat(small_event, organizer):
    regs = [register(small_event) for _ in range(3)]
    with pytest.raises(RegistrationError) as exc:
        registration_promote(registration=regs[2], actor=organizer)
    assert exc.value.code == "full"
    assert "no free seat" in str(exc.value)
    with pytest.raises(RegistrationError) as exc:
        registration_promote(registration=regs[0], actor=organizer)
    assert exc.value.code == "state"


@pytest.mark.django_db
def test_manual_promotion_picks_someone_out_of_order_when_a_seat_is_free(city, organizer):
    # A state the services never leave behind (a seat free while people wait), e.g. after a data import.
    event = EventFactory(city=city, capacity=2)
    RegistrationFactory(event=event)
    first = RegistrationFactory(event=event, status="waiting", waiting_rank=1)
    second = RegistrationFactory(event=event, status="waiting", waiting_rank=2)
    promoted = registration_promote(registration=second, actor=organizer)
    assert promoted.status == "confirmed"
    first.refresh_from_db()
    assert first.status == "waiting"
    with pytest.raises(RegistrationError):
        registration_promote(registration=first, actor=UserFactory())


# --------------------------------------------------------------------------- capacity


@pytest.mark.django_db
def test_lowering_capacity_below_confirmed_is_refused_with_the_count(small_event):
    register(small_event)
    register(small_event)
    with pytest.raises(RegistrationError) as exc:
        event_change_capacity(event=small_event, capacity=1)
    assert exc.value.code == "capacity"
    assert "2 confirmed" in str(exc.value)
    small_event.refresh_from_db()
    assert small_event.capacity == 2
    assert event_change_capacity(event=small_event, capacity=2).capacity == 2


@pytest.mark.django_db
def test_raising_capacity_promotes_the_first_waiting_at_once(small_event):
    regs = [register(small_event) for _ in range(6)]
    event_change_capacity(event=small_event, capacity=4)
    assert statuses(small_event) == ["confirmed"] * 4 + ["waiting"] * 2
    assert waiting_position(registration=Registration.objects.get(pk=regs[4].pk)) == 1
    event_change_capacity(event=small_event, capacity=None)
    assert statuses(small_event) == ["confirmed"] * 6
    assert event_registration_counts(event=small_event)["seats_left"] is None


@pytest.mark.django_db
def test_negative_capacity_is_refused(small_event):
    with pytest.raises(RegistrationError):
        event_change_capacity(event=small_event, capacity=-1)


@pytest.mark.django_db
def test_counts_cover_every_status(city, organizer):
    event = EventFactory(city=city, capacity=1)
    a, b, c = register(event), register(event), register(event)
    registration_reject(registration=c, actor=organizer)
    registration_cancel(registration=a, actor=a.user)
    assert event_registration_counts(event=event) == {
        "confirmed": 1, "waiting": 0, "pending": 0, "cancelled": 1, "rejected": 1, "seats_left": 0,
    }
    assert Registration.objects.get(pk=b.pk).status == "confirmed"


@pytest.mark.django_db(transaction=True)  # foreign keys are checked at commit
def test_a_question_removed_while_answering_is_a_clear_error(event, questions, participant, monkeypatch):
    answers = {questions["diet"].pk: "veg", questions["photos"].pk: True, questions["org"].pk: "Council"}
    real_validate = services.validate_answers

    def organizer_edits_meanwhile(**kwargs):
        # Runs once the answers are checked, before the lock: the organizer's deletion commits.
        cleaned = real_validate(**kwargs)
        Question.objects.filter(pk=questions["org"].pk).delete()
        return cleaned

    monkeypatch.setattr(services, "validate_answers", organizer_edits_meanwhile)
    with pytest.raises(RegistrationError) as exc:
        register(event, participant, answers=answers)
    assert exc.value.code == "answers"
    assert not Registration.objects.exists()


def _registration_trace(event, questions, monkeypatch, *, one_trip: bool):
    """What four people registering for two seats leave behind, on one path or the other."""
    if not one_trip:
        monkeypatch.setattr(services.OneTripRegistration, "build", staticmethod(lambda *args: None))
    answers = {questions["diet"].pk: "veg", questions["photos"].pk: True, questions["access"].pk: ["loop"]}
    made = [register(event, answers=answers) for _ in range(4)]
    rows = Registration.objects.filter(event=event).order_by("pk")
    return {
        "returned": [(r.status, getattr(r, "position_when_registered", None)) for r in made],
        "stored": [(r.status, r.waiting_rank, r.consent_text_version, r.source) for r in rows],
        "times_in_order": [r.created_at for r in rows] == sorted(r.created_at for r in rows),
        "answers": sorted(Answer.objects.filter(registration__event=event).values_list("value", flat=True), key=str),
        "consent_times": all(r.consent_given_at for r in rows),
    }


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-trip registration is PostgreSQL's")
def test_the_one_trip_registration_leaves_what_the_orm_path_leaves(city, questions, monkeypatch, event):
    event.capacity = 2
    event.save()
    with CaptureQueriesContext(connection) as queries:
        fast = _registration_trace(event, questions, monkeypatch, one_trip=True)
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    # One statement per registration locks, decides and inserts the registration and its answers.
    assert len(locking) == 4
    assert all("INSERT INTO" in sql for sql in locking)

    other = EventFactory(city=city, capacity=2)
    for question in questions.values():
        question.pk, question.event = None, other
        question.save()
    slow = _registration_trace(other, questions, monkeypatch, one_trip=False)
    assert fast == slow
    assert fast["returned"] == [("confirmed", None), ("confirmed", None), ("waiting", 1), ("waiting", 2)]
    assert [status for status, rank, *_ in fast["stored"]] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert fast["times_in_order"]
