"""Attendance pages: who may open them, the plain forms, the JSON the scripts use, fixed query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import Attendance, Registration
from events.services.attendance import attendance_mark
from tests.factories import EventFactory, OrganizerFactory, RegistrationFactory, UserFactory

JSON = {"HTTP_ACCEPT": "application/json"}


def _session_pages(session):
    return [
        reverse("attendance:overview", args=[session.event_id]),
        reverse("attendance:sheet", args=[session.pk]),
        reverse("attendance:checkin", args=[session.pk]),
        reverse("attendance:room", args=[session.pk]),
    ]


# --------------------------------------------------------------------------- who may open what


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, session):
    for url in [*_session_pages(session), reverse("attendance:signin_sheet", args=[session.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login")) and "next=" in response.url


@pytest.mark.django_db
def test_a_participant_gets_403(client, session, participant):
    RegistrationFactory(event=session.event, user=participant)
    client.force_login(participant)
    for url in _session_pages(session):
        assert client.get(url).status_code == 403
    assert client.post(reverse("attendance:mark_all", args=[session.pk])).status_code == 403
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_trainer_of_one_event_gets_403_on_another(client, city, session, trainer):
    other_session = EventFactory(city=city).sessions.get()
    client.force_login(trainer)
    for url in _session_pages(other_session):
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("attendance:checkin", args=[other_session.pk]), {"code": "ABCDEFGHJK"}, **JSON
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_trainer_of_the_event_may_open_every_page(client, session, trainer):
    client.force_login(trainer)
    for url in _session_pages(session):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_an_organizer_of_the_city_may_open_every_page(client, session, organizer):
    client.force_login(organizer)
    for url in _session_pages(session):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_an_organizer_of_another_city_gets_403(client, session, other_organizer):
    client.force_login(other_organizer)
    for url in _session_pages(session):
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_staff_may_open_the_sheet(client, session, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("attendance:sheet", args=[session.pk])).status_code == 200


@pytest.mark.django_db
def test_an_unknown_session_is_404(client, organizer):
    client.force_login(organizer)
    assert client.get(reverse("attendance:sheet", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_the_event_page_links_staff_to_the_attendance_overview(client, event, trainer):
    client.force_login(trainer)
    response = client.get(event.get_absolute_url())
    assert reverse("attendance:overview", args=[event.pk]) in response.content.decode()


# --------------------------------------------------------------------------- overview


@pytest.mark.django_db
def test_overview_lists_sessions_with_present_counts_and_their_tools(client, city, organizer):
    event = EventFactory(city=city, sessions=2)
    first, second = event.sessions.all()
    registrations = RegistrationFactory.create_batch(3, event=event)
    attendance_mark(session=first, registration=registrations[0], present=True, actor=organizer)
    client.force_login(organizer)

    response = client.get(reverse("attendance:overview", args=[event.pk]))

    assert [s.present_count for s in response.context["sessions"]] == [1, 0]
    assert response.context["confirmed"] == 3
    html = response.content.decode()
    for session in (first, second):
        for name in ("sheet", "checkin", "room", "signin_sheet"):
            assert reverse(f"attendance:{name}", args=[session.pk]) in html


# --------------------------------------------------------------------------- the sheet without JavaScript


@pytest.mark.django_db
def test_the_sheet_lists_confirmed_participants_with_counts(client, session, trainer):
    present = RegistrationFactory(event=session.event, user=UserFactory(full_name="Anna Present"))
    RegistrationFactory(event=session.event, user=UserFactory(full_name="Bruno Absent"))
    RegistrationFactory(event=session.event, user=UserFactory(full_name="Cleo Cancelled"), status="cancelled")
    attendance_mark(session=session, registration=present, present=True, actor=trainer)
    client.force_login(trainer)

    response = client.get(reverse("attendance:sheet", args=[session.pk]))

    html = response.content.decode()
    assert "Anna Present" in html and "Bruno Absent" in html and "Cleo Cancelled" not in html
    assert response.context["counts"] == {"present": 1, "total": 2}
    assert f'name="present" value="{present.pk}" checked' in html


@pytest.mark.django_db
def test_the_sheet_searches_by_name(client, session, trainer):
    RegistrationFactory(event=session.event, user=UserFactory(full_name="Łukasz Nowak"))
    RegistrationFactory(event=session.event, user=UserFactory(full_name="Maria Rossi"))
    client.force_login(trainer)

    response = client.get(reverse("attendance:sheet", args=[session.pk]), {"q": "lukasz"})

    html = response.content.decode()
    assert "Łukasz Nowak" in html and "Maria Rossi" not in html
    assert response.context["counts"]["total"] == 2  # the counts stay those of the whole session


@pytest.mark.django_db
def test_saving_the_sheet_form_marks_ticked_boxes_and_unmarks_unticked(client, session, trainer, present_ids):
    ticked, unticked, untouched = RegistrationFactory.create_batch(3, event=session.event)
    attendance_mark(session=session, registration=unticked, present=True, actor=trainer)
    client.force_login(trainer)

    response = client.post(
        reverse("attendance:sheet", args=[session.pk]),
        {"listed": [ticked.pk, unticked.pk, untouched.pk], "was_present": [unticked.pk], "present": [ticked.pk]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("attendance:sheet", args=[session.pk])
    assert "Saved: 2 changes." in response.content.decode()
    assert present_ids(session) == {ticked.pk}


@pytest.mark.django_db
def test_saving_an_old_sheet_does_not_undo_a_check_in_made_since(client, session, trainer, present_ids):
    registration = RegistrationFactory(event=session.event)
    client.force_login(trainer)
    # Drawn while absent; then the participant is scanned in; then the old sheet is saved unchanged.
    attendance_mark(session=session, registration=registration, present=True, actor=trainer, method="qr")

    client.post(reverse("attendance:sheet", args=[session.pk]), {"listed": [registration.pk]})

    assert present_ids(session) == {registration.pk}


@pytest.mark.django_db
def test_a_garbled_sheet_post_gets_a_message_not_an_error(client, session, trainer):
    client.force_login(trainer)

    response = client.post(reverse("attendance:sheet", args=[session.pk]), {"listed": ["x"]}, follow=True)

    assert response.status_code == 200
    assert "incomplete" in response.content.decode()


@pytest.mark.django_db
def test_mark_all_present_button(client, session, trainer, present_ids):
    registrations = RegistrationFactory.create_batch(2, event=session.event)
    client.force_login(trainer)

    response = client.post(reverse("attendance:mark_all", args=[session.pk]), follow=True)

    assert "2 participants marked present." in response.content.decode()
    assert present_ids(session) == {r.pk for r in registrations}


@pytest.mark.django_db
def test_one_box_posted_without_javascript_goes_back_to_the_sheet(client, session, trainer, present_ids):
    registration = RegistrationFactory(event=session.event)
    client.force_login(trainer)

    response = client.post(
        reverse("attendance:mark", args=[session.pk]), {"registration": registration.pk, "present": "on"}
    )

    assert response.status_code == 302
    assert present_ids(session) == {registration.pk}


# --------------------------------------------------------------------------- the JSON the scripts use


@pytest.mark.django_db
def test_toggling_a_box_returns_json_with_live_counts(client, session, trainer):
    first, _second = RegistrationFactory.create_batch(2, event=session.event)
    client.force_login(trainer)
    url = reverse("attendance:mark", args=[session.pk])

    data = client.post(url, {"registration": first.pk, "present": "on"}, **JSON).json()
    assert data["ok"] and data["present"] is True
    assert data["counts"] == {"present": 1, "total": 2}

    data = client.post(url, {"registration": first.pk}, **JSON).json()
    assert data["present"] is False and data["counts"] == {"present": 0, "total": 2}


@pytest.mark.django_db
def test_toggling_someone_not_confirmed_answers_with_a_message(client, session, trainer, city):
    waiting = RegistrationFactory(event=session.event, status=Registration.Status.WAITING, waiting_rank=1)
    elsewhere = RegistrationFactory(event=EventFactory(city=city))
    client.force_login(trainer)
    url = reverse("attendance:mark", args=[session.pk])

    response = client.post(url, {"registration": waiting.pk, "present": "on"}, **JSON)
    assert response.status_code == 409 and "Only confirmed" in response.json()["message"]

    response = client.post(url, {"registration": elsewhere.pk, "present": "on"}, **JSON)
    assert response.status_code == 400 and not response.json()["ok"]

    response = client.post(url, {"registration": "nonsense"}, **JSON)
    assert response.status_code == 400
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_mark_endpoint_refuses_get(client, session, trainer):
    client.force_login(trainer)
    assert client.get(reverse("attendance:mark", args=[session.pk])).status_code == 405


# --------------------------------------------------------------------------- trainer check-in page


@pytest.mark.django_db
def test_scanning_posts_json_and_gets_a_clear_result(client, session, trainer):
    registration = RegistrationFactory(event=session.event, user=UserFactory(full_name="Jānis Bērziņš"))
    client.force_login(trainer)
    url = reverse("attendance:checkin", args=[session.pk])

    data = client.post(url, {"code": registration.checkin_code, "scanned": "on"}, **JSON).json()
    assert (data["ok"], data["status"], data["tone"]) == (True, "checked_in", "ok")
    assert data["title"] == "Checked in" and "Jānis Bērziņš" in data["message"]
    assert data["counts"] == {"present": 1, "total": 1}
    assert Attendance.objects.get().method == Attendance.Method.QR

    data = client.post(url, {"code": registration.checkin_code, "scanned": "on"}, **JSON).json()
    assert (data["status"], data["title"]) == ("already_checked_in", "Already checked in")


@pytest.mark.django_db
def test_scanning_a_code_of_another_event_or_an_unknown_code(client, session, trainer, city):
    elsewhere = RegistrationFactory(event=EventFactory(city=city))
    client.force_login(trainer)
    url = reverse("attendance:checkin", args=[session.pk])

    data = client.post(url, {"code": elsewhere.checkin_code}, **JSON).json()
    assert (data["ok"], data["status"], data["tone"]) == (False, "wrong_event", "refused")

    data = client.post(url, {"code": "QQQQQQQQQQ"}, **JSON).json()
    assert (data["ok"], data["status"]) == (False, "unknown_code")

    response = client.post(url, {"code": "?!"}, **JSON)
    assert response.status_code == 400 and "10 letters and digits" in response.json()["message"]
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_typing_a_code_without_javascript_shows_the_result_on_the_page(client, session, trainer):
    registration = RegistrationFactory(event=session.event, user=UserFactory(full_name="Ana Pérez"))
    client.force_login(trainer)
    url = reverse("attendance:checkin", args=[session.pk])

    response = client.post(url, {"code": registration.checkin_code.lower()})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Checked in" in html and "Ana Pérez is checked in." in html
    assert Attendance.objects.get().method == Attendance.Method.CODE

    response = client.post(url, {"code": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()


@pytest.mark.django_db
def test_the_check_in_page_loads_the_vendored_reader_and_no_third_party_script(client, session, trainer):
    client.force_login(trainer)

    html = client.get(reverse("attendance:checkin", args=[session.pk])).content.decode()

    assert "/static/vendor/jsqr/jsQR.js" in html and "/static/js/checkin-scanner.js" in html
    assert "https://" not in html.split("<footer")[0]


# --------------------------------------------------------------------------- room screen and self check-in


@pytest.mark.django_db
def test_the_room_screen_shows_the_session_qr_and_code(client, session, trainer):
    client.force_login(trainer)

    html = client.get(reverse("attendance:room", args=[session.pk])).content.decode()

    assert "<svg" in html
    code = session.checkin_code
    assert f"{code[:5]}</span> <span class=\"room-code-group\">{code[5:]}" in html


@pytest.mark.django_db
def test_self_check_in_requires_login_and_comes_back_after(client, session):
    url = reverse("attendance:self_checkin", args=[session.checkin_code])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


@pytest.fixture
def session_now(city):
    """A session that is running right now."""
    start = timezone.now() - timedelta(minutes=10)
    return EventFactory(city=city, sessions__start=start).sessions.get()


@pytest.mark.django_db
def test_self_check_in_page_asks_then_checks_in(client, session_now):
    registration = RegistrationFactory(event=session_now.event)
    client.force_login(registration.user)
    url = reverse("attendance:self_checkin", args=[session_now.checkin_code])

    response = client.get(url)
    assert "Check me in" in response.content.decode()
    assert not Attendance.objects.exists()

    response = client.post(url)
    assert "You are checked in" in response.content.decode()
    attendance = Attendance.objects.get()
    assert (attendance.registration, attendance.method) == (registration, Attendance.Method.SELF)

    assert "already checked in" in client.get(url).content.decode()


@pytest.mark.django_db
def test_self_check_in_page_outside_the_session(client, session):
    registration = RegistrationFactory(event=session.event)
    client.force_login(registration.user)

    response = client.post(reverse("attendance:self_checkin", args=[session.checkin_code]))

    assert response.status_code == 200
    assert "Not yet" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_self_check_in_page_for_someone_not_registered(client, session_now, participant):
    client.force_login(participant)

    response = client.post(reverse("attendance:self_checkin", args=[session_now.checkin_code]))

    assert "You are not registered for this event" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_typing_the_room_code_leads_to_the_check_in_page(client, session, participant):
    client.force_login(participant)
    code = session.checkin_code

    response = client.post(reverse("attendance:self_checkin_entry"), {"code": f"{code[:5].lower()} {code[5:]}"})
    assert response.url == reverse("attendance:self_checkin", args=[code])

    response = client.get(reverse("attendance:self_checkin", args=["WRONGCODE1"]))
    assert "not valid" in response.content.decode()


# --------------------------------------------------------------------------- walk-ins and the PDF


@pytest.mark.django_db
def test_an_organizer_adds_a_walk_in_from_the_sheet(client, session, organizer, present_ids):
    client.force_login(organizer)

    response = client.post(
        reverse("attendance:walk_in", args=[session.pk]),
        {"email": "walkin@example.org", "full_name": "Walk In"},
        follow=True,
    )

    assert "Walk In is registered and marked present." in response.content.decode()
    registration = Registration.objects.get(user__email="walkin@example.org")
    assert registration.source == Registration.Source.WALK_IN
    assert present_ids(session) == {registration.pk}


@pytest.mark.django_db
def test_a_refused_walk_in_keeps_the_typed_address_and_says_why(client, session, organizer):
    session.event.capacity = 0
    session.event.save(update_fields=["capacity"])
    client.force_login(organizer)

    response = client.post(reverse("attendance:walk_in", args=[session.pk]), {"email": "late@example.org"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "The event is full" in html and 'value="late@example.org"' in html
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_the_trainer_at_the_door_adds_a_walk_in(client, session, trainer):
    client.force_login(trainer)

    assert client.get(reverse("attendance:sheet", args=[session.pk])).context["walk_in_form"] is not None
    client.post(reverse("attendance:walk_in", args=[session.pk]), {"email": "walkin@example.org"})

    registration = Registration.objects.get(user__email="walkin@example.org")
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.source == Registration.Source.WALK_IN
    assert registration.attendances.get(session=session).present


@pytest.mark.django_db
def test_a_trainer_of_another_event_cannot_add_walk_ins(client, session):
    stranger = UserFactory()
    other = EventFactory(city=session.event.city)
    other.trainers.add(stranger)
    client.force_login(stranger)

    response = client.post(reverse("attendance:walk_in", args=[session.pk]), {"email": "x@example.org"})

    assert response.status_code == 403
    assert not Registration.objects.filter(user__email="x@example.org").exists()


@pytest.mark.django_db
def test_the_sign_in_sheet_downloads_as_a_pdf(client, session, trainer):
    RegistrationFactory(event=session.event, user=UserFactory(full_name="Printed Person"))
    client.force_login(trainer)

    response = client.get(reverse("attendance:signin_sheet", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=") and ".pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"


# --------------------------------------------------------------------------- a fixed number of queries


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_sheet_costs_the_same_queries_for_3_or_30_participants(client, city, organizer):
    small = EventFactory(city=city).sessions.get()
    large = EventFactory(city=city).sessions.get()
    for session, size in ((small, 3), (large, 30)):
        for registration in RegistrationFactory.create_batch(size, event=session.event):
            attendance_mark(session=session, registration=registration, present=True, actor=organizer)
    client.force_login(organizer)
    sheet = reverse("attendance:sheet", args=[small.pk])
    _queries_for(client, sheet)  # warm the session and the login

    assert _queries_for(client, sheet) == _queries_for(client, reverse("attendance:sheet", args=[large.pk]))
    assert _queries_for(client, reverse("attendance:overview", args=[small.event_id])) == _queries_for(
        client, reverse("attendance:overview", args=[large.event_id])
    )


@pytest.mark.django_db
def test_the_overview_costs_the_same_queries_for_1_or_8_sessions(client, city):
    organizer = OrganizerFactory(city=city)
    one, eight = EventFactory(city=city, sessions=1), EventFactory(city=city, sessions=8)
    client.force_login(organizer)
    _queries_for(client, reverse("attendance:overview", args=[one.pk]))

    assert _queries_for(client, reverse("attendance:overview", args=[one.pk])) == _queries_for(
        client, reverse("attendance:overview", args=[eight.pk])
    )


@pytest.mark.django_db
def test_my_registrations_shows_the_personal_code_of_confirmed_registrations_only(client, city, participant):
    confirmed = RegistrationFactory(user=participant, event=EventFactory(city=city))
    waiting = RegistrationFactory(
        user=participant, event=EventFactory(city=city), status=Registration.Status.WAITING, waiting_rank=1
    )
    client.force_login(participant)

    html = client.get(reverse("registrations:my_registrations")).content.decode()
    assert reverse("registrations:checkin_code", args=[confirmed.pk]) in html
    assert reverse("registrations:checkin_code", args=[waiting.pk]) not in html

    shown = client.get(reverse("registrations:checkin_code", args=[confirmed.pk])).content.decode()
    code = confirmed.checkin_code
    assert f"{code[:5]} {code[5:]}" in shown
    assert reverse("registrations:checkin_qr", args=[confirmed.pk]) in shown
    # A place on the waiting list has no code to show at the door yet.
    assert client.get(reverse("registrations:checkin_code", args=[waiting.pk])).status_code == 404
    assert client.get(reverse("registrations:checkin_qr", args=[waiting.pk])).status_code == 404


@pytest.mark.django_db
def test_my_sessions_lists_upcoming_first_and_folds_recent_past_ones(client, city):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Session
    from tests.factories import EventFactory, UserFactory

    trainer = UserFactory()
    event = EventFactory(city=city, title="Module training", sessions=0)
    event.trainers.add(trainer)
    now = timezone.now()
    Session.objects.create(event=event, title="Past module", starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3, hours=-2))
    Session.objects.create(event=event, title="Next module", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2))
    Session.objects.create(event=event, title="Ancient module", starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=90, hours=-2))
    client.force_login(trainer)
    html = client.get(reverse("attendance:my_sessions")).content.decode()
    assert "My sessions" in html
    assert html.index("Next module") < html.index("<details") < html.index("Past module")
    assert "Ancient module" not in html
    assert "1 session in the last 30 days" in html


@pytest.mark.django_db
def test_a_check_in_time_of_another_day_carries_its_date(city):
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import override

    from events.templatetags.attendance_tags import local_time

    now = timezone.now()
    with override("en"):
        assert local_time(now, city).endswith(timezone.localtime(now, city.tzinfo).tzname())
        assert "," not in local_time(now, city)
        earlier = local_time(now - timedelta(days=10), city)
    day = timezone.localtime(now - timedelta(days=10), city.tzinfo)
    assert str(day.year) in earlier and str(day.day) in earlier
