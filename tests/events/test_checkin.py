"""Check-in with codes: a trainer scanning personal codes, participants scanning the room's code,
and the QR codes themselves."""

import io
from datetime import timedelta

import pytest
import segno
import zxingcpp
from PIL import Image

from events.attendance_qr import registration_qr_svg, session_checkin_url, session_qr_svg
from events.models import Attendance, Registration
from events.services.attendance import (
    CheckinResult,
    attendance_checkin_by_code,
    attendance_mark,
    attendance_self_checkin,
    format_code,
    self_checkin_preview,
)
from tests.concurrency import run_together
from tests.factories import EventFactory, RegistrationFactory, UserFactory


@pytest.fixture
def registration(event):
    return RegistrationFactory(event=event, user=UserFactory(full_name="Ilze Kalniņa"))


def _is_present(session, registration):
    return Attendance.objects.filter(session=session, registration=registration, present=True).exists()


# --------------------------------------------------------------------------- trainer scans a personal code


@pytest.mark.django_db
def test_scanning_a_confirmed_participant_checks_them_in(session, registration, trainer):
    result = attendance_checkin_by_code(
        session=session, code=registration.checkin_code, actor=trainer, method=Attendance.Method.QR
    )

    assert result.status == CheckinResult.CHECKED_IN and result.ok
    assert "Ilze Kalniņa is checked in" in result.message
    attendance = Attendance.objects.get()
    assert (attendance.present, attendance.method, attendance.marked_by) == (True, "qr", trainer)


@pytest.mark.django_db
def test_scanning_twice_is_harmless_and_says_already_checked_in(session, registration, trainer):
    attendance_checkin_by_code(session=session, code=registration.checkin_code, actor=trainer)

    again = attendance_checkin_by_code(session=session, code=registration.checkin_code, actor=trainer)

    assert again.status == CheckinResult.ALREADY and again.ok
    assert "already checked in" in again.message
    assert Attendance.objects.count() == 1


@pytest.mark.django_db
def test_a_typed_code_may_have_spaces_dashes_and_small_letters(session, registration, trainer):
    typed = " " + format_code(registration.checkin_code).lower().replace(" ", "-") + " "

    result = attendance_checkin_by_code(session=session, code=typed, actor=trainer)

    assert result.status == CheckinResult.CHECKED_IN
    assert Attendance.objects.get().method == Attendance.Method.CODE


@pytest.mark.django_db
def test_a_code_for_another_event_is_refused_without_naming_that_event(session, trainer, city):
    elsewhere = RegistrationFactory(event=EventFactory(city=city, title="Secret board meeting"))

    result = attendance_checkin_by_code(session=session, code=elsewhere.checkin_code, actor=trainer)

    assert result.status == CheckinResult.WRONG_EVENT and not result.ok
    assert "another event" in result.message
    assert "Secret board meeting" not in result.message
    assert not Attendance.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "", "   ", "<script>", "x" * 500])
def test_an_unknown_code_gets_a_message(session, trainer, code):
    result = attendance_checkin_by_code(session=session, code=code, actor=trainer)

    assert result.status == CheckinResult.UNKNOWN and not result.ok
    assert "not known" in result.message
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_scanning_a_room_screen_by_mistake_explains_it(session, trainer):
    result = attendance_checkin_by_code(session=session, code=session.checkin_code, actor=trainer)

    assert result.status == CheckinResult.ROOM_CODE
    assert "room screen" in result.message


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Registration.Status.PENDING, Registration.Status.CANCELLED])
def test_a_code_of_an_unconfirmed_registration_is_refused(session, event, trainer, status):
    pending = RegistrationFactory(event=event, status=status)

    result = attendance_checkin_by_code(session=session, code=pending.checkin_code, actor=trainer)

    assert result.status == CheckinResult.NOT_CONFIRMED and not result.ok
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_participant_marked_absent_can_still_be_scanned_in(session, registration, trainer):
    attendance_mark(session=session, registration=registration, present=False, actor=trainer)

    result = attendance_checkin_by_code(session=session, code=registration.checkin_code, actor=trainer)

    assert result.status == CheckinResult.CHECKED_IN
    assert _is_present(session, registration)


# --------------------------------------------------------------------------- participant scans the room's code


@pytest.mark.django_db
def test_self_check_in_during_the_session(session, registration):
    result = attendance_self_checkin(
        session_code=session.checkin_code, user=registration.user, now=session.starts_at + timedelta(minutes=10)
    )

    assert result.status == CheckinResult.CHECKED_IN
    attendance = Attendance.objects.get()
    assert (attendance.method, attendance.marked_by) == (Attendance.Method.SELF, registration.user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-timedelta(minutes=31), CheckinResult.TOO_EARLY),
        (-timedelta(minutes=30), CheckinResult.CHECKED_IN),
        (timedelta(hours=2), CheckinResult.CHECKED_IN),  # the last minute of a two-hour session
        (timedelta(hours=2, seconds=1), CheckinResult.TOO_LATE),
    ],
)
def test_self_check_in_only_from_half_an_hour_before_until_the_end(session, registration, offset, expected):
    result = attendance_self_checkin(
        session_code=session.checkin_code, user=registration.user, now=session.starts_at + offset
    )

    assert result.status == expected
    assert _is_present(session, registration) == (expected == CheckinResult.CHECKED_IN)


@pytest.mark.django_db
def test_too_early_says_when_check_in_opens_in_the_city_zone(session, registration):
    result = attendance_self_checkin(
        session_code=session.checkin_code, user=registration.user, now=session.starts_at - timedelta(days=1)
    )

    assert "opens at" in result.message
    assert "(Europe/Riga)" in result.message


@pytest.mark.django_db
def test_self_check_in_twice_says_already(session, registration):
    during = session.starts_at + timedelta(minutes=5)
    attendance_self_checkin(session_code=session.checkin_code, user=registration.user, now=during)

    again = attendance_self_checkin(session_code=session.checkin_code.lower(), user=registration.user, now=during)

    assert again.status == CheckinResult.ALREADY
    assert Attendance.objects.count() == 1


@pytest.mark.django_db
def test_self_check_in_refuses_someone_not_registered(session, participant):
    result = attendance_self_checkin(
        session_code=session.checkin_code, user=participant, now=session.starts_at + timedelta(minutes=5)
    )

    assert result.status == CheckinResult.NOT_REGISTERED
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_self_check_in_refuses_a_registration_still_waiting(session, event, participant):
    RegistrationFactory(event=event, user=participant, status=Registration.Status.WAITING, waiting_rank=1)

    result = attendance_self_checkin(
        session_code=session.checkin_code, user=participant, now=session.starts_at + timedelta(minutes=5)
    )

    assert result.status == CheckinResult.NOT_CONFIRMED
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_self_check_in_uses_the_confirmed_registration_not_an_old_cancelled_one(session, event, participant):
    RegistrationFactory(event=event, user=participant, status=Registration.Status.CANCELLED)
    current = RegistrationFactory(event=event, user=participant)

    result = attendance_self_checkin(
        session_code=session.checkin_code, user=participant, now=session.starts_at + timedelta(minutes=5)
    )

    assert result.status == CheckinResult.CHECKED_IN
    assert _is_present(session, current)


@pytest.mark.django_db
def test_self_check_in_with_a_code_of_another_event_refuses(city, registration):
    other_session = EventFactory(city=city).sessions.get()

    result = attendance_self_checkin(
        session_code=other_session.checkin_code, user=registration.user, now=other_session.starts_at
    )

    assert result.status == CheckinResult.NOT_REGISTERED


@pytest.mark.django_db
def test_self_check_in_with_an_unknown_code(registration):
    result = attendance_self_checkin(session_code="NOPE NOPE", user=registration.user)

    assert result.status == CheckinResult.UNKNOWN and result.session is None


@pytest.mark.django_db
def test_self_check_in_preview_writes_nothing(session, registration):
    during = session.starts_at + timedelta(minutes=5)

    preview = self_checkin_preview(session_code=session.checkin_code, user=registration.user, now=during)

    assert preview.status == CheckinResult.CHECKED_IN and preview.message == ""
    assert not Attendance.objects.exists()


# --------------------------------------------------------------------------- the QR codes


def _decode_png(qr: segno.QRCode) -> str:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=6, border=4)
    buffer.seek(0)
    results = zxingcpp.read_barcodes(Image.open(buffer))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode  # a full QR code, which phones read; not Micro QR
    return results[0].text


@pytest.mark.django_db
def test_personal_qr_code_decodes_to_the_check_in_code(registration):
    svg = registration_qr_svg(registration)
    assert svg.startswith("<svg") and "viewBox" in svg
    assert registration.checkin_code in svg  # the title, read out by screen readers

    # The SVG and this PNG come from the same segno symbol; the PNG is what a camera can read here.
    qr = segno.make_qr(registration.checkin_code, error="m")
    assert _decode_png(qr) == registration.checkin_code


@pytest.mark.django_db
def test_room_qr_code_leads_to_the_self_check_in_page(session, settings):
    settings.SITE_URL = "https://events.example.eu"
    url = session_checkin_url(session)
    assert url == f"https://events.example.eu/attendance/check-in/{session.checkin_code}/"

    assert "<svg" in session_qr_svg(session)
    assert _decode_png(segno.make_qr(url, error="m")) == url


# --------------------------------------------------------------------------- two phones at one door (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_code_scanned_at_two_doors_at_once_checks_in_once(session, registration, trainer):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    during = session.starts_at + timedelta(minutes=1)
    jobs = [
        lambda: attendance_checkin_by_code(session=session, code=registration.checkin_code, actor=trainer)
        for _ in range(5)
    ] + [
        lambda: attendance_self_checkin(session_code=session.checkin_code, user=registration.user, now=during)
        for _ in range(3)
    ]

    results, errors = run_together(jobs)

    assert errors == []
    assert sorted(r.status for r in results).count(CheckinResult.CHECKED_IN) == 1
    assert {r.status for r in results} == {CheckinResult.CHECKED_IN, CheckinResult.ALREADY}
    assert Attendance.objects.filter(session=session).count() == 1
