"""Attendance services: marking, the sheet, "mark all", walk-ins."""

import pytest

from accounts.models import User
from events.models import Attendance, Registration
from events.services.attendance import (
    AttendanceError,
    attendance_add_walk_in,
    attendance_apply_sheet,
    attendance_mark,
    attendance_mark_all_present,
    confirmed_registrations,
    search_registrations,
    session_counts,
    sessions_with_counts,
)
from tests.factories import EventFactory, RegistrationFactory, UserFactory


@pytest.mark.django_db
def test_marking_present_then_absent_records_who_and_how(session, event, trainer, present_ids):
    registration = RegistrationFactory(event=event)

    attendance = attendance_mark(session=session, registration=registration, present=True, actor=trainer)
    assert attendance.present and attendance.method == Attendance.Method.SHEET and attendance.marked_by == trainer

    attendance_mark(session=session, registration=registration, present=False, actor=trainer)
    assert present_ids(session) == set()
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_marking_again_keeps_the_first_check_in(session, event, trainer, organizer):
    registration = RegistrationFactory(event=event)
    first = attendance_mark(
        session=session, registration=registration, present=True, actor=trainer, method=Attendance.Method.QR
    )

    again = attendance_mark(session=session, registration=registration, present=True, actor=organizer)

    assert again.pk == first.pk
    assert (again.method, again.marked_by, again.marked_at) == (Attendance.Method.QR, trainer, first.marked_at)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [Registration.Status.PENDING, Registration.Status.WAITING, Registration.Status.CANCELLED]
)
def test_only_confirmed_registrations_can_be_marked(session, event, trainer, status):
    registration = RegistrationFactory(event=event, status=status, waiting_rank=1 if status == "waiting" else None)

    with pytest.raises(AttendanceError, match="Only confirmed registrations"):
        attendance_mark(session=session, registration=registration, present=True, actor=trainer)
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_registration_for_another_event_cannot_be_marked(session, trainer, city):
    stranger = RegistrationFactory(event=EventFactory(city=city))

    with pytest.raises(AttendanceError, match="not registered for this event"):
        attendance_mark(session=session, registration=stranger, present=True, actor=trainer)


@pytest.mark.django_db
def test_mark_all_present_counts_only_people_newly_present(session, event, trainer, present_ids):
    already, absent, fresh = RegistrationFactory.create_batch(3, event=event)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    attendance_mark(session=session, registration=already, present=True, actor=trainer)
    attendance_mark(session=session, registration=absent, present=False, actor=trainer)

    assert attendance_mark_all_present(session=session, actor=trainer) == 2
    assert present_ids(session) == {already.pk, absent.pk, fresh.pk}
    assert attendance_mark_all_present(session=session, actor=trainer) == 0


@pytest.mark.django_db
def test_mark_all_present_leaves_other_sessions_alone(city, trainer):
    event = EventFactory(city=city, sessions=2)
    event.trainers.add(trainer)
    first, second = event.sessions.all()
    RegistrationFactory.create_batch(2, event=event)

    attendance_mark_all_present(session=first, actor=trainer)

    assert session_counts(first) == {"present": 2, "total": 2}
    assert session_counts(second) == {"present": 0, "total": 2}
    assert [s.present_count for s in sessions_with_counts(event)] == [2, 0]


@pytest.mark.django_db
def test_saving_the_sheet_applies_only_the_toggled_boxes(session, event, trainer, present_ids):
    ticked, unticked, scanned_meanwhile = RegistrationFactory.create_batch(3, event=event)
    attendance_mark(session=session, registration=unticked, present=True, actor=trainer)
    # A QR check-in after the sheet was drawn: the sheet's Save does not mention this row.
    attendance_mark(
        session=session, registration=scanned_meanwhile, present=True, actor=trainer, method=Attendance.Method.QR
    )

    changed = attendance_apply_sheet(session=session, changes={ticked.pk: True, unticked.pk: False}, actor=trainer)

    assert changed == 2
    assert present_ids(session) == {ticked.pk, scanned_meanwhile.pk}


@pytest.mark.django_db
def test_the_sheet_skips_rows_cancelled_since_it_was_drawn(session, event, trainer, present_ids):
    staying = RegistrationFactory(event=event)
    gone = RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    other_event = RegistrationFactory()

    changed = attendance_apply_sheet(
        session=session, changes={staying.pk: True, gone.pk: True, other_event.pk: True}, actor=trainer
    )

    assert changed == 1
    assert present_ids(session) == {staying.pk}


@pytest.mark.django_db
def test_counts_ignore_attendance_of_registrations_cancelled_later(session, event, trainer):
    staying, leaving = RegistrationFactory.create_batch(2, event=event)
    attendance_mark_all_present(session=session, actor=trainer)
    Registration.objects.filter(pk=leaving.pk).update(status=Registration.Status.CANCELLED)

    assert session_counts(session) == {"present": 1, "total": 1}
    assert sessions_with_counts(event).get().present_count == 1


@pytest.mark.django_db
def test_sheet_rows_are_sorted_by_name_and_searchable_without_accents_mattering(session, event, trainer):
    zofia = RegistrationFactory(event=event, user=UserFactory(full_name="Zofia Nowak"))
    anna = RegistrationFactory(event=event, user=UserFactory(full_name="Anna Åström"))
    nameless = RegistrationFactory(event=event, user=UserFactory(full_name="", email="walkin@example.org"))
    attendance_mark(session=session, registration=zofia, present=True, actor=trainer)

    lukasz = RegistrationFactory(event=event, user=UserFactory(full_name="Łukasz Wiśniewski"))

    rows = search_registrations(confirmed_registrations(session), "")
    assert [r.pk for r in rows] == [anna.pk, lukasz.pk, nameless.pk, zofia.pk]
    assert [r.is_present for r in rows] == [False, False, False, True]
    assert rows[3].marked_method == Attendance.Method.SHEET

    assert [r.pk for r in search_registrations(confirmed_registrations(session), "  åSTRÖM ")] == [anna.pk]
    assert [r.pk for r in search_registrations(confirmed_registrations(session), "walkin")] == [nameless.pk]
    assert [r.pk for r in search_registrations(confirmed_registrations(session), "anna nowak")] == []


# --------------------------------------------------------------------------- walk-ins


@pytest.mark.django_db
def test_walk_in_creates_a_confirmed_registration_and_marks_present(session, event, organizer, present_ids):
    registration = attendance_add_walk_in(
        session=session, email="  New.Person@Example.org ", full_name="Marija  Bērziņa", actor=organizer
    )

    assert registration.status == Registration.Status.CONFIRMED
    assert registration.source == Registration.Source.WALK_IN
    assert registration.user.full_name == "Marija Bērziņa"
    assert present_ids(session) == {registration.pk}
    assert Attendance.objects.get().marked_by == organizer


@pytest.mark.django_db
def test_walk_in_of_someone_already_confirmed_just_marks_them_present(session, event, organizer, present_ids):
    existing = RegistrationFactory(event=event, user=UserFactory(email="known@example.org"))

    registration = attendance_add_walk_in(session=session, email="KNOWN@example.org", actor=organizer)

    assert registration.pk == existing.pk
    assert Registration.objects.filter(event=event).count() == 1
    assert present_ids(session) == {existing.pk}


@pytest.mark.django_db
def test_walk_in_for_a_full_event_is_refused_and_leaves_nothing_behind(session, event, organizer):
    event.capacity = 1
    event.save(update_fields=["capacity"])
    RegistrationFactory(event=event)

    with pytest.raises(AttendanceError, match="full"):
        attendance_add_walk_in(session=session, email="late@example.org", actor=organizer)

    assert not User.objects.filter(email="late@example.org").exists()
    assert Registration.objects.filter(event=event).count() == 1
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_walk_in_of_someone_on_the_waiting_list_asks_to_confirm_first(session, event, organizer):
    RegistrationFactory(
        event=event, user=UserFactory(email="waiting@example.org"), status=Registration.Status.WAITING, waiting_rank=1
    )

    with pytest.raises(AttendanceError, match="not confirmed"):
        attendance_add_walk_in(session=session, email="waiting@example.org", actor=organizer)
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_walk_in_with_a_bad_address_says_so(session, organizer):
    with pytest.raises(AttendanceError, match="not a valid email address"):
        attendance_add_walk_in(session=session, email="not-an-address", actor=organizer)


@pytest.mark.django_db
def test_walk_in_needs_someone_who_takes_attendance_for_this_event(session, trainer):
    stranger = UserFactory()
    with pytest.raises(AttendanceError):
        attendance_add_walk_in(session=session, email="new@example.org", actor=stranger)
    assert not Registration.objects.exists()

    attendance_add_walk_in(session=session, email="new@example.org", actor=trainer)
    assert Registration.objects.get(user__email="new@example.org").source == Registration.Source.WALK_IN
