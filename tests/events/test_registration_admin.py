import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.models import Answer, Event, Question, Registration
from events.services import registrations as reg_services
from events.services.registrations import RegistrationError, registration_add_by_email, registrations_for_admin
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, OrganizerFactory, UserFactory

Status = Registration.Status


# --------------------------------------------------------------------------- helpers


def register(event, user=None, *, actor, **kwargs):
    """A registration made the way an organizer would, through the service."""
    return reg_services.registration_create(
        event=event, user=user or UserFactory(), source=Registration.Source.ORGANIZER, actor=actor, **kwargs
    )


def register_online(event, user=None, **kwargs):
    return reg_services.registration_create(event=event, user=user or UserFactory(), consent_version="v1", **kwargs)


def list_url(event, **query):
    url = reverse("registration_admin:registrations", kwargs={"pk": event.pk})
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def action_url(event, registration, action):
    return reverse(
        f"registration_admin:registration_{action}", kwargs={"pk": event.pk, "registration_pk": registration.pk}
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    return messages_of(client.get(response["Location"]))


# --------------------------------------------------------------------------- permissions matrix


@pytest.fixture
def ravenna_event(other_city, other_organizer):
    event = EventFactory(city=other_city, capacity=10, title="Ravenna round table")
    return event


@pytest.fixture
def people(db, city, other_city, ravenna_event):
    """One user per role, seen from the Ravenna event."""
    trainer = UserFactory()
    ravenna_event.trainers.add(trainer)
    return {
        "anonymous": None,
        "participant": UserFactory(),
        "trainer": trainer,
        "organizer_of_riga": OrganizerFactory(city=city),
        "organizer_of_ravenna": OrganizerFactory(city=other_city),
        "staff": UserFactory(is_staff=True),
    }


ALLOWED = {"organizer_of_ravenna", "staff"}


def _pages(event, registration, failed_email):
    return {
        "list": ("get", list_url(event), {}),
        "add": ("post", reverse("registration_admin:registration_add", kwargs={"pk": event.pk}),
                {"email": "paper@example.org", "full_name": "Paper Person"}),
        "approve": ("post", action_url(event, registration, "approve"), {"message": ""}),
        "reject": ("post", action_url(event, registration, "reject"), {"message": "no"}),
        "cancel": ("post", action_url(event, registration, "cancel"), {"reason": "duplicate"}),
        "promote": ("post", action_url(event, registration, "promote"), {}),
        "approve many": ("post", reverse("registration_admin:registration_approve_many", kwargs={"pk": event.pk}),
                         {"all_pending": "1"}),
        "retry": ("post", reverse("registration_admin:email_retry", kwargs={"pk": event.pk, "email_pk": failed_email.pk}), {}),
    }


ROLES = ["anonymous", "participant", "trainer", "organizer_of_riga", "organizer_of_ravenna", "staff"]
PAGES = ["list", "add", "approve", "reject", "cancel", "promote", "approve many", "retry"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_city_organizers_and_staff_reach_registration_pages(client, people, ravenna_event, role, page):
    ravenna_event.requires_approval = True
    ravenna_event.save()
    registration = register_online(ravenna_event)
    failed = OutgoingEmail.objects.create(
        event=ravenna_event, user=registration.user, to_email=registration.user.email, template="registration_pending",
        language="en", subject="s", body_text="b", status=OutgoingEmail.Status.FAILED,
    )
    method, url, data = _pages(ravenna_event, registration, failed)[page]
    user = people[role]
    if user:
        client.force_login(user)

    response = getattr(client, method)(url, data)

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif role in ALLOWED:
        assert response.status_code in (200, 302)
        if page in ("approve", "approve many"):
            registration.refresh_from_db()
            assert registration.status == Status.CONFIRMED
    else:
        assert response.status_code == 403
    if role not in ALLOWED:
        # Nothing changed behind the refusal.
        registration.refresh_from_db()
        failed.refresh_from_db()
        assert registration.status == Status.PENDING
        assert failed.status == OutgoingEmail.Status.FAILED
        assert not User.objects.filter(email="paper@example.org").exists()


def test_event_page_links_organizers_to_registrations_and_questions(client, organizer, event):
    client.force_login(organizer)
    html = client.get(event.get_absolute_url()).content.decode()
    assert list_url(event) in html
    assert reverse("registration_admin:questions", kwargs={"pk": event.pk}) in html


def test_unknown_event_is_404(client, organizer):
    client.force_login(organizer)
    assert client.get(reverse("registration_admin:registrations", kwargs={"pk": 999999})).status_code == 404


# --------------------------------------------------------------------------- the list


@pytest.fixture
def full_event(city, organizer):
    """Riga event with 2 seats, both taken, one person waiting, one pending, one cancelled, one rejected."""
    event = EventFactory(city=city, capacity=2, title="Intercultural training")
    a = register(event, UserFactory(full_name="Anna Bērziņa", email="anna@example.org"), actor=organizer)
    register(event, UserFactory(full_name="Jānis Ozols"), actor=organizer)
    register(event, UserFactory(full_name="Wanda Waiting"), actor=organizer)
    gone = register(event, UserFactory(full_name="Carl Cancelled"), actor=organizer)  # waiting too
    reg_services.registration_cancel(registration=gone, actor=organizer, reason="Moved away")
    rejected = register(event, UserFactory(full_name="Rita Rejected"), actor=organizer)
    reg_services.registration_reject(registration=rejected, actor=organizer)
    Event.objects.filter(pk=event.pk).update(requires_approval=True)
    event.refresh_from_db()
    register_online(event, UserFactory(full_name="Pavel Pending"))
    assert a.status == Status.CONFIRMED
    return event


def test_list_shows_counts_and_every_registration_with_its_details(client, organizer, full_event):
    client.force_login(organizer)
    response = client.get(list_url(full_event))
    html = response.content.decode()

    counts = response.context["counts"]
    assert (counts["confirmed"], counts["waiting"], counts["pending"], counts["cancelled"], counts["rejected"]) == (
        2, 1, 1, 1, 1,
    )
    assert counts["seats_left"] == 0
    for name in ("Anna Bērziņa", "Jānis Ozols", "Wanda Waiting", "Carl Cancelled", "Rita Rejected", "Pavel Pending"):
        assert name in html
    assert "anna@example.org" in html
    assert "Moved away" in html
    assert "Position 1" in html
    assert "Added by an organizer" in html and "Online" in html
    assert "(Europe/Riga)" in html


def test_registered_at_is_shown_in_the_city_time_zone(client, organizer, event):
    registration = register(event, UserFactory(full_name="Zed"), actor=organizer)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    )
    client.force_login(organizer)
    html = client.get(list_url(event)).content.decode()
    assert "12:30" in html  # Riga is UTC+3 in summer
    assert "EEST" in html


def test_list_filters_by_status_and_searches_name_and_email(client, organizer, full_event):
    client.force_login(organizer)

    waiting = client.get(list_url(full_event, status="waiting")).context["registrations"]
    assert [r.user.full_name for r in waiting] == ["Wanda Waiting"]

    by_name = client.get(list_url(full_event, q="ozols")).context["registrations"]
    assert [r.user.full_name for r in by_name] == ["Jānis Ozols"]

    by_email = client.get(list_url(full_event, q="ANNA@example")).context["registrations"]
    assert [r.user.full_name for r in by_email] == ["Anna Bērziņa"]

    # A status that does not exist is reported, not a crash, and filters nothing.
    response = client.get(list_url(full_event, status="bogus"))
    assert response.status_code == 200
    assert len(response.context["registrations"]) == 6


def test_list_is_paginated_and_keeps_the_filters(client, organizer, event):
    for i in range(55):
        register(event, UserFactory(full_name=f"Person {i:02d}"), actor=organizer)
    client.force_login(organizer)
    first = client.get(list_url(event, status="confirmed"))
    assert len(first.context["registrations"]) == 50
    html = first.content.decode()
    assert "status=confirmed" in html and "page=2" in html
    second = client.get(list_url(event, status="confirmed", page=2))
    assert len(second.context["registrations"]) == 5


def test_list_shows_answers_to_the_questions(client, organizer, event):
    diet = Question.objects.create(
        event=event, label="Diet", kind=Question.Kind.MULTIPLE_CHOICE, position=0,
        choices=[{"value": "veg", "label": "Vegetarian"}, {"value": "gf", "label": "Gluten-free"}],
    )
    access = Question.objects.create(event=event, label="Wheelchair?", kind=Question.Kind.YES_NO, position=1)
    register_online(event, UserFactory(full_name="Eva"), answers={diet.pk: ["veg", "gf"], access.pk: True})
    client.force_login(organizer)
    html = client.get(list_url(event)).content.decode()
    assert "Vegetarian; Gluten-free" in html
    assert "Wheelchair?" in html and "Yes" in html


def _seed(event, organizer, count, questions):
    for i in range(count):
        registration = register(event, UserFactory(full_name=f"Seed {i}"), actor=organizer)
        Answer.objects.bulk_create(Answer(registration=registration, question=q, value=f"answer {i}") for q in questions)
    OutgoingEmail.objects.create(
        event=event, to_email="x@example.org", template="t", language="en", subject="s", body_text="b",
        status=OutgoingEmail.Status.FAILED,
    )


def test_the_list_costs_the_same_queries_for_3_or_40_registrations(
    client, organizer, city, django_assert_max_num_queries
):
    # Both with people waiting (3 with capacity 2; 40 with capacity 20: half of them).
    small, large = EventFactory(city=city, capacity=2), EventFactory(city=city, capacity=20)
    for event, count in ((small, 3), (large, 40)):
        questions = [
            Question.objects.create(event=event, label=f"Q{n}", kind=Question.Kind.SHORT_TEXT, position=n)
            for n in range(3)
        ]
        _seed(event, organizer, count, questions)
    client.force_login(organizer)
    client.get(list_url(small))  # warm the session and the per-user caches

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(list_url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(list_url(large))
    assert "answer 39" in response.content.decode()


def test_waiting_position_on_the_list_matches_the_service(organizer, event):
    Event.objects.filter(pk=event.pk).update(capacity=1)
    event.refresh_from_db()
    register(event, actor=organizer)
    waiting = [register(event, actor=organizer) for _ in range(3)]
    reg_services.registration_cancel(registration=waiting[0], actor=organizer, reason="ill")
    rows = {r.pk: r.waiting_pos for r in registrations_for_admin(event=event)}
    for registration in waiting[1:]:
        registration.refresh_from_db()
        assert rows[registration.pk] == reg_services.waiting_position(registration=registration)
    assert sorted(rows[r.pk] for r in waiting[1:]) == [1, 2]


# --------------------------------------------------------------------------- actions


@pytest.fixture
def approval_event(city):
    return EventFactory(city=city, capacity=1, requires_approval=True)


def test_approve_confirms_a_pending_registration(client, organizer, approval_event):
    registration = register_online(approval_event, UserFactory(full_name="Olga"))
    client.force_login(organizer)
    response = client.post(action_url(approval_event, registration, "approve"), {"message": "Welcome!"})
    shown = follow_messages(client, response)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.decision_message == "Welcome!"
    assert shown == ["Olga is confirmed."]


def test_approve_when_full_puts_on_the_waiting_list_and_says_so(client, organizer, approval_event):
    first = register_online(approval_event)
    second = register_online(approval_event, UserFactory(full_name="Second"))
    reg_services.registration_approve(registration=first, actor=organizer)
    client.force_login(organizer)
    response = client.post(action_url(approval_event, second, "approve"))
    shown = follow_messages(client, response)
    second.refresh_from_db()
    assert second.status == Status.WAITING
    assert len(shown) == 1 and "full" in shown[0] and "waiting list" in shown[0] and "position 1" in shown[0]


def test_reject_with_a_message(client, organizer, approval_event):
    registration = register_online(approval_event, UserFactory(full_name="Rex"))
    client.force_login(organizer)
    response = client.post(action_url(approval_event, registration, "reject"), {"message": "Only for residents."})
    shown = follow_messages(client, response)
    registration.refresh_from_db()
    assert registration.status == Status.REJECTED
    assert registration.decision_message == "Only for residents."
    assert shown == ["The registration of Rex is rejected."]


def test_cancel_needs_a_reason(client, organizer, event):
    registration = register(event, UserFactory(full_name="Cleo"), actor=organizer)
    client.force_login(organizer)

    response = client.post(action_url(event, registration, "cancel"), {"reason": "   "})
    shown = follow_messages(client, response)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert shown == ["Please give a reason for cancelling this registration."]

    response = client.post(action_url(event, registration, "cancel"), {"reason": "Asked by phone"})
    shown = follow_messages(client, response)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert registration.cancel_reason == "Asked by phone"
    assert registration.cancelled_by == organizer
    assert shown == ["The registration of Cleo is cancelled."]


def test_move_from_the_waiting_list(client, organizer, event):
    Event.objects.filter(pk=event.pk).update(capacity=1)
    event.refresh_from_db()
    register(event, actor=organizer)
    waiting = register(event, UserFactory(full_name="Will"), actor=organizer)
    client.force_login(organizer)

    # Full: the service refuses, and the organizer reads why.
    response = client.post(action_url(event, waiting, "promote"))
    shown = follow_messages(client, response)
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING
    assert shown == ["There is no free seat. Raise the capacity or cancel a registration first."]

    # Room made without filling it automatically (the seat limit is lifted by an admin).
    Event.objects.filter(pk=event.pk).update(capacity=5)
    response = client.post(action_url(event, waiting, "promote"))
    shown = follow_messages(client, response)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert shown == ["Will is confirmed."]


def test_an_action_the_state_does_not_allow_is_a_message_not_an_error(client, organizer, event):
    registration = register(event, actor=organizer)
    client.force_login(organizer)
    response = client.post(action_url(event, registration, "approve"))
    assert follow_messages(client, response) == ["Only pending registrations can be approved."]


def test_actions_return_to_the_filtered_list(client, organizer, event):
    registration = register(event, actor=organizer)
    client.force_login(organizer)
    response = client.post(
        action_url(event, registration, "cancel"), {"reason": "x", "return_query": "status=confirmed&page=1"}
    )
    assert response["Location"] == list_url(event) + "?status=confirmed&page=1"


@pytest.mark.parametrize("action", ["approve", "reject", "cancel", "promote"])
def test_tampered_registration_ids_are_404(client, organizer, city, event, action):
    other = EventFactory(city=city)
    foreign = register(other, actor=organizer)
    client.force_login(organizer)
    data = {"reason": "x", "message": ""}
    # A registration of another event, even one the organizer manages, is not found through this event.
    assert client.post(action_url(event, foreign, action), data).status_code == 404
    missing = reverse(f"registration_admin:registration_{action}", kwargs={"pk": event.pk, "registration_pk": 987654})
    assert client.post(missing, data).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.CONFIRMED


def test_actions_refuse_get(client, organizer, event):
    registration = register(event, actor=organizer)
    client.force_login(organizer)
    assert client.get(action_url(event, registration, "cancel")).status_code == 405


# --------------------------------------------------------------------------- add by email


def add_url(event):
    return reverse("registration_admin:registration_add", kwargs={"pk": event.pk})


def test_add_by_email_registers_an_existing_user_found_case_insensitively(client, organizer, event):
    known = UserFactory(email="maria.garcia@example.org", full_name="María García")
    client.force_login(organizer)
    response = client.post(add_url(event), {"email": "  Maria.Garcia@EXAMPLE.org ", "full_name": "Ignored"})
    shown = follow_messages(client, response)
    registration = Registration.objects.get(event=event)
    assert registration.user == known
    assert registration.source == Registration.Source.ORGANIZER
    assert registration.status == Status.CONFIRMED
    assert shown == ["María García is registered (Confirmed)."]
    assert User.objects.filter(email__iexact="maria.garcia@example.org").count() == 1
    known.refresh_from_db()
    assert known.full_name == "María García"
    assert not OutgoingEmail.objects.filter(template="account_invitation").exists()


def test_add_by_email_creates_an_account_and_invites_the_person(client, organizer, event, django_capture_on_commit_callbacks):
    Event.objects.filter(pk=event.pk).update(language="es")
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url(event), {"email": "Nuevo@Example.org", "full_name": " Núria  Puig "})
    assert response.status_code == 302

    user = User.objects.get(email__iexact="nuevo@example.org")
    assert user.full_name == "Núria Puig"
    assert not user.has_usable_password()
    assert user.preferred_language == "es"  # the event's language: the best guess for someone we never met
    assert EmailAddress.objects.get(user=user).verified is False
    registration = Registration.objects.get(event=event, user=user)
    assert registration.source == Registration.Source.ORGANIZER

    invitation = OutgoingEmail.objects.get(user=user, template="account_invitation")
    assert invitation.event == event
    assert invitation.language == "es"
    assert event.title in invitation.subject
    (sent,) = [m for m in mail.outbox if m.to == [user.email] and m.subject == invitation.subject]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", sent.body).group(0)
    assert link in sent.alternatives[0][0]
    # The stored copy keeps no key that could set this person's password.
    assert invitation.is_secret and invitation.status == OutgoingEmail.Status.SENT
    key = link.rstrip("/").rsplit("/", 1)[1]
    for column in (invitation.body_text, invitation.body_html, invitation.secret_text, invitation.secret_html):
        assert key not in column

    # The person follows the link and chooses a password.
    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302  # allauth hides the key from the address bar
    set_password_page = response["Location"]
    assert client.get(set_password_page).status_code == 200
    new_password = "a long passphrase for Núria 2026"
    response = client.post(set_password_page, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)

    # The link worked once.
    client.cookies.clear()
    again = client.get("/" + path, follow=True)
    assert again.context.get("token_fail") is True


def test_adding_the_same_new_person_twice_invites_once_and_says_already_registered(client, organizer, event):
    client.force_login(organizer)
    client.post(add_url(event), {"email": "twice@example.org"})
    response = client.post(add_url(event), {"email": "TWICE@example.org"})
    assert response.status_code == 400
    assert "twice@example.org is already registered for this event." in response.content.decode()
    assert User.objects.filter(email__iexact="twice@example.org").count() == 1
    assert OutgoingEmail.objects.filter(template="account_invitation").count() == 1


def test_add_by_email_with_a_bad_address_keeps_what_was_typed(client, organizer, event):
    client.force_login(organizer)
    response = client.post(add_url(event), {"email": "not-an-address", "full_name": "Kept Name"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="Kept Name"' in html
    assert not Registration.objects.filter(event=event).exists()


def test_a_refused_registration_leaves_no_stray_account(organizer, city):
    cancelled = EventFactory(city=city, status=Event.Status.CANCELLED)
    with pytest.raises(RegistrationError):
        registration_add_by_email(event=cancelled, email="ghost@example.org", actor=organizer)
    assert not User.objects.filter(email="ghost@example.org").exists()
    assert not OutgoingEmail.objects.exists()


def test_add_by_email_to_a_full_event_goes_to_the_waiting_list(client, organizer, event):
    Event.objects.filter(pk=event.pk).update(capacity=1)
    register(event, actor=organizer)
    client.force_login(organizer)
    response = client.post(add_url(event), {"email": "late@example.org"})
    shown = follow_messages(client, response)
    assert Registration.objects.get(user__email="late@example.org").status == Status.WAITING
    assert shown == ["late@example.org is registered (On the waiting list)."]


# --------------------------------------------------------------------------- failed emails


def test_failed_emails_are_listed_and_can_be_sent_again(client, organizer, event, django_capture_on_commit_callbacks):
    person = UserFactory(email="bounce@example.org")
    failed = OutgoingEmail.objects.create(
        event=event, user=person, to_email=person.email, template="registration_confirmed", language="en",
        subject="[EPI Events] You are registered", body_text="See you there.",
        status=OutgoingEmail.Status.FAILED, attempts=5, last_error="Connection refused",
    )
    OutgoingEmail.objects.create(
        event=EventFactory(city=event.city), to_email="elsewhere@example.org", template="t", language="en",
        subject="other event", body_text="b", status=OutgoingEmail.Status.FAILED,
    )
    client.force_login(organizer)
    html = client.get(list_url(event)).content.decode()
    assert "bounce@example.org" in html and "Connection refused" in html
    assert "elsewhere@example.org" not in html

    retry = reverse("registration_admin:email_retry", kwargs={"pk": event.pk, "email_pk": failed.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert follow_messages(client, response) == ["The email to bounce@example.org is queued again."]
    failed.refresh_from_db()
    assert failed.status == OutgoingEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["bounce@example.org"]]


def test_retrying_an_email_of_another_event_is_404(client, organizer, event, city):
    other = OutgoingEmail.objects.create(
        event=EventFactory(city=city), to_email="x@example.org", template="t", language="en", subject="s",
        body_text="b", status=OutgoingEmail.Status.FAILED,
    )
    client.force_login(organizer)
    url = reverse("registration_admin:email_retry", kwargs={"pk": event.pk, "email_pk": other.pk})
    assert client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.status == OutgoingEmail.Status.FAILED


def test_the_page_is_usable_without_javascript(client, organizer, full_event):
    """Every action is a plain form posting to the server, with a labelled control."""
    client.force_login(organizer)
    html = client.get(list_url(full_event)).content.decode()
    assert "<script" not in html
    assert html.count("<h1") == 1
    for textarea_id in re.findall(r'<textarea id="([^"]+)"', html):
        assert f'for="{textarea_id}"' in html
    assert timezone.now()  # the page rendered at all with every kind of row


# --------------------------------------------------------------------------- approving several


@pytest.mark.django_db
def test_approving_all_pending_fills_the_seats_in_order_and_says_so_once(client, organizer, city):
    event = EventFactory(city=city, capacity=2, requires_approval=True)
    people = [register_online(event) for _ in range(3)]
    assert {r.status for r in people} == {Status.PENDING}
    client.force_login(organizer)
    response = client.post(
        reverse("registration_admin:registration_approve_many", kwargs={"pk": event.pk}),
        {"all_pending": "1"},
        follow=True,
    )
    statuses = [Registration.objects.get(pk=r.pk).status for r in people]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITING]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["2 approved, 1 put on the waiting list."]


@pytest.mark.django_db
def test_approving_the_ticked_ones_leaves_the_others_pending(client, organizer, city):
    event = EventFactory(city=city, capacity=None, requires_approval=True)
    first, second, third = (register_online(event) for _ in range(3))
    other_event_registration = register_online(EventFactory(city=city, requires_approval=True))
    client.force_login(organizer)
    response = client.post(
        reverse("registration_admin:registration_approve_many", kwargs={"pk": event.pk}),
        {"registration": [first.pk, third.pk, other_event_registration.pk]},
        follow=True,
    )
    assert Registration.objects.get(pk=first.pk).status == Status.CONFIRMED
    assert Registration.objects.get(pk=second.pk).status == Status.PENDING
    assert Registration.objects.get(pk=third.pk).status == Status.CONFIRMED
    assert Registration.objects.get(pk=other_event_registration.pk).status == Status.PENDING
    assert [str(m) for m in response.context["messages"]] == ["2 approved, 1 no longer pending."]


@pytest.mark.django_db
def test_only_the_events_organizers_may_approve_several(client, other_organizer, city):
    event = EventFactory(city=city, requires_approval=True)
    pending = register_online(event)
    client.force_login(other_organizer)
    response = client.post(
        reverse("registration_admin:registration_approve_many", kwargs={"pk": event.pk}), {"all_pending": "1"}
    )
    assert response.status_code in (403, 404)
    assert Registration.objects.get(pk=pending.pk).status == Status.PENDING


@pytest.mark.django_db
def test_the_list_offers_one_click_approve_buttons_and_approve_all(client, organizer, city):
    event = EventFactory(city=city, requires_approval=True)
    register_online(event, UserFactory(full_name="Ana Pop"))
    client.force_login(organizer)
    html = client.get(list_url(event)).content.decode()
    assert re.search(r'<button type="submit">Approve<span class="visually-hidden"> Ana Pop</span></button>', html)
    assert "Approve the 1 pending registration" in html
    assert "<summary>Approve</summary>" not in html


def test_a_later_page_lists_its_own_people_in_registration_order(client, organizer, city):
    event = EventFactory(city=city, capacity=30)
    question = Question.objects.create(event=event, label="Diet", kind=Question.Kind.SHORT_TEXT, position=0)
    _seed(event, organizer, 55, [question])
    client.force_login(organizer)

    page = client.get(list_url(event, page=2)).content.decode()

    names = [f"Seed {i}<" for i in range(55)]
    shown = [name for name in names if name in page]
    assert shown == names[50:]
    assert "answer 54" in page and "answer 49" not in page
    assert "Position 25" in page  # the 55th person, 25th on the waiting list
