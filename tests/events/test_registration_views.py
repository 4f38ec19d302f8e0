from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.forms_registration import CONSENT_VERSION
from events.models import Answer, Event, Question, Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory


def register_url(event):
    return reverse("registrations:register", args=[event.pk])


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def questions(event):
    return [
        Question.objects.create(
            event=event,
            label="Dietary needs",
            label_translations={"sv": "Kostbehov", "es": "Necesidades alimentarias"},
            kind=Question.Kind.SINGLE_CHOICE,
            required=True,
            choices=[
                {"value": "veg", "label": "Vegetarian", "translations": {"sv": "Vegetarisk"}},
                {"value": "any", "label": "Anything", "translations": {"sv": "Allt"}},
            ],
            position=1,
        ),
        Question.objects.create(
            event=event,
            label="Access needs",
            kind=Question.Kind.MULTIPLE_CHOICE,
            choices=[{"value": "wheelchair", "label": "Wheelchair"}, {"value": "loop", "label": "Hearing loop"}],
            position=2,
        ),
        Question.objects.create(
            event=event, label="May we take photos?", kind=Question.Kind.YES_NO, required=True, position=3
        ),
        Question.objects.create(event=event, label="Organisation", kind=Question.Kind.SHORT_TEXT, position=4),
        Question.objects.create(event=event, label="Anything else?", kind=Question.Kind.LONG_TEXT, position=5),
    ]


def valid_post(questions, **extra):
    diet, access, photos, org, notes = questions
    data = {
        f"q_{diet.pk}": "veg",
        f"q_{access.pk}": ["wheelchair", "loop"],
        f"q_{photos.pk}": "no",
        f"q_{org.pk}": "Riga Council",
        f"q_{notes.pk}": "",
        "consent": "on",
    }
    data.update(extra)
    return data


# --------------------------------------------------------------------------- register form


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login_and_back_to_the_form(client, event):
    url = register_url(event)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={url}" in response["Location"].replace("%2F", "/")


@pytest.mark.django_db
def test_form_shows_questions_in_the_users_language_with_required_marks_and_consent(client, event, questions):
    client.force_login(UserFactory(preferred_language="sv"))
    html = page(client.get(register_url(event)))
    assert "Kostbehov" in html
    assert "Vegetarisk" in html
    assert "Access needs" in html  # no Swedish label: falls back to the organizer's text
    assert 'type="radio"' in html and 'type="checkbox"' in html and "<textarea" in html
    assert html.count('class="required-mark"') == 3  # two required questions and the consent
    assert CONSENT_VERSION in html
    assert 'name="consent"' in html
    assert html.count("<h1") == 1


@pytest.mark.django_db
def test_registering_through_the_form_confirms_and_stores_answers(client, event, questions, participant):
    client.force_login(participant)
    response = client.post(register_url(event), valid_post(questions))
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    registration = Registration.objects.get(event=event, user=participant)
    assert registration.status == "confirmed"
    assert registration.consent_text_version == CONSENT_VERSION
    answers = {a.question_id: a.value for a in registration.answers.all()}
    assert answers == {
        questions[0].pk: "veg",
        questions[1].pk: ["wheelchair", "loop"],
        questions[2].pk: False,
        questions[3].pk: "Riga Council",
    }
    followed = client.get(response["Location"])
    assert "You are registered" in page(followed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"consent": ""},
        {"diet": "meat"},
        {"diet": ""},
        {"photos": "perhaps"},
        {"access": ["teleport"]},
        {"org": "x" * 400},
    ],
)
def test_bad_input_re_renders_the_form_with_an_error_and_writes_nothing(client, event, questions, participant, change):
    client.force_login(participant)
    names = {"diet": 0, "access": 1, "photos": 2, "org": 3}
    data = valid_post(questions)
    for key, value in change.items():
        data["consent" if key == "consent" else f"q_{questions[names[key]].pk}"] = value
    if data["consent"] == "":
        del data["consent"]
    response = client.post(register_url(event), data)
    assert response.status_code == 400
    assert 'class="errorlist' in page(response)
    assert "data-error-summary" in page(response)
    assert not Registration.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_tampered_and_foreign_question_ids_are_never_stored(client, event, questions, participant, city):
    foreign = Question.objects.create(event=EventFactory(city=city), label="Elsewhere", kind=Question.Kind.SHORT_TEXT)
    client.force_login(participant)
    data = valid_post(questions, **{f"q_{foreign.pk}": "sneaky", "q_abc": "x", "q_999999": "y"})
    response = client.post(register_url(event), data)
    assert response.status_code == 302
    assert not Answer.objects.filter(question=foreign).exists()
    assert Answer.objects.count() == 4


@pytest.mark.django_db
def test_submitting_twice_keeps_one_registration(client, event, participant):
    client.force_login(participant)
    assert client.post(register_url(event), {"consent": "on"}).status_code == 302
    again = client.post(register_url(event), {"consent": "on"})
    assert again.status_code == 400
    assert "already registered" in page(again)
    assert Registration.objects.filter(event=event, user=participant).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": Event.Status.CANCELLED}, "This event has been cancelled."),
        ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "Registration for this event is closed."),
        ({"registration_opens_at": timezone.now() + timedelta(days=2)}, "Registration has not opened yet."),
    ],
)
def test_closed_or_cancelled_event_explains_and_refuses(client, city, participant, fields, message):
    event = EventFactory(city=city, **fields)
    client.force_login(participant)
    shown = client.get(register_url(event))
    assert shown.status_code == 200
    assert message in page(shown)
    assert 'name="consent"' not in page(shown)
    response = client.post(register_url(event), {"consent": "on"})
    assert response.status_code == 400
    assert message in page(response)
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_event_cancelled_while_the_form_was_open(client, event, participant):
    client.force_login(participant)
    client.get(register_url(event))
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    response = client.post(register_url(event), {"consent": "on"})
    assert response.status_code == 400
    assert "cancelled" in page(response)


@pytest.mark.django_db
def test_draft_event_form_is_not_found_for_participants(client, city, participant):
    event = EventFactory(city=city, status=Event.Status.DRAFT)
    client.force_login(participant)
    assert client.get(register_url(event)).status_code == 404
    assert client.post(register_url(event), {"consent": "on"}).status_code == 404


@pytest.mark.django_db
def test_full_event_offers_the_waiting_list_and_tells_the_position(client, city, participant):
    event = EventFactory(city=city, capacity=1)
    RegistrationFactory(event=event)
    client.force_login(participant)
    detail = page(client.get(event.get_absolute_url()))
    assert "Join the waiting list" in detail
    response = client.post(register_url(event), {"consent": "on"}, follow=True)
    assert "waiting list, in position 1" in page(response)
    assert Registration.objects.get(user=participant).status == "waiting"


# --------------------------------------------------------------------------- event page box


@pytest.mark.django_db
def test_event_box_shows_each_state(client, city, participant):
    client.force_login(participant)
    event = EventFactory(city=city, capacity=5)
    assert "Register" in page(client.get(event.get_absolute_url()))

    registration = RegistrationFactory(event=event, user=participant)
    html = page(client.get(event.get_absolute_url()))
    assert "You are registered." in html
    assert reverse("registrations:cancel", args=[registration.pk]) in html

    Registration.objects.filter(pk=registration.pk).update(status="waiting", waiting_rank=7)
    RegistrationFactory(event=event, status="waiting", waiting_rank=3)
    assert "in position 2" in page(client.get(event.get_absolute_url()))

    Registration.objects.filter(pk=registration.pk).update(status="pending", waiting_rank=None)
    assert "waiting for the organizers" in page(client.get(event.get_absolute_url()))

    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    assert "This event has been cancelled" in page(client.get(event.get_absolute_url()))

    later = EventFactory(city=city, registration_opens_at=timezone.now() + timedelta(days=1))
    assert "Registration has not opened yet" in page(client.get(later.get_absolute_url()))
    assert "(Europe/Riga)" in page(client.get(later.get_absolute_url()))
    closed = EventFactory(city=city, registration_closes_at=timezone.now() - timedelta(days=1))
    assert "Registration for this event is closed." in page(client.get(closed.get_absolute_url()))


# --------------------------------------------------------------------------- cancel


@pytest.mark.django_db
def test_cancel_asks_first_then_cancels_and_promotes(client, city, participant):
    event = EventFactory(city=city, capacity=1)
    registration = RegistrationFactory(event=event, user=participant)
    waiting = RegistrationFactory(event=event, status="waiting", waiting_rank=1)
    client.force_login(participant)
    url = reverse("registrations:cancel", args=[registration.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Are you sure" in page(confirm)
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:my_registrations")
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == "cancelled"
    assert waiting.status == "confirmed"
    # A second POST (back button) explains instead of failing.
    again = client.post(url)
    assert again.status_code == 400
    assert "no longer active" in page(again)


@pytest.mark.django_db
def test_someone_elses_cancel_url_is_not_found(client, event, participant):
    registration = RegistrationFactory(event=event)
    client.force_login(participant)
    url = reverse("registrations:cancel", args=[registration.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == "confirmed"


@pytest.mark.django_db
def test_cannot_cancel_after_the_event_started(client, city, participant):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(minutes=10))
    registration = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    url = reverse("registrations:cancel", args=[registration.pk])
    assert "already started" in page(client.get(url))
    assert client.post(url).status_code == 400
    registration.refresh_from_db()
    assert registration.status == "confirmed"


# --------------------------------------------------------------------------- my registrations


@pytest.mark.django_db
def test_my_registrations_groups_by_status_and_shows_only_mine(client, city, participant):
    confirmed = EventFactory(city=city, title="Confirmed café")
    waiting = EventFactory(city=city, title="Waiting workshop", capacity=1)
    pending = EventFactory(city=city, title="Pending panel", requires_approval=True)
    cancelled = EventFactory(city=city, title="Cancelled class")
    RegistrationFactory(event=confirmed, user=participant)
    RegistrationFactory(event=waiting, status="waiting", waiting_rank=1)
    RegistrationFactory(event=waiting, user=participant, status="waiting", waiting_rank=2)
    RegistrationFactory(event=pending, user=participant, status="pending")
    RegistrationFactory(event=cancelled, user=participant, status="cancelled")
    RegistrationFactory(event=EventFactory(city=city, title="Someone else's"))
    client.force_login(participant)
    html = page(client.get(reverse("registrations:my_registrations")))
    for title in ("Confirmed café", "Waiting workshop", "Pending panel", "Cancelled class"):
        assert title in html
    assert "Someone else" not in html
    assert "position 2" in html
    assert html.index("Confirmed café") < html.index("Waiting workshop") < html.index("Pending panel")
    assert html.index("Pending panel") < html.index("Cancelled class")
    assert "My registrations" in html


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_my_registrations_costs_the_same_queries_for_one_or_many(client, city, participant):
    client.force_login(participant)
    url = reverse("registrations:my_registrations")
    # Waiting on one event already: the positions of the waiting rows are one query, however many.
    RegistrationFactory(event=EventFactory(city=city, capacity=1), user=participant, status="waiting", waiting_rank=1)
    one = _count_queries(client, url)
    for _ in range(4):
        event = EventFactory(city=city, capacity=1)
        RegistrationFactory(event=event)
        RegistrationFactory(event=event, user=participant, status="waiting", waiting_rank=1)
    assert _count_queries(client, url) == one


@pytest.mark.django_db
def test_my_registrations_needs_login(client):
    response = client.get(reverse("registrations:my_registrations"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_nav_links_to_my_registrations(client, participant):
    client.force_login(participant)
    assert reverse("registrations:my_registrations") in page(client.get(reverse("events:home")))


def test_health_view_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_waiting_listed_participant_gets_no_calendar_block_for_a_seat_not_held(client, city):
    from events.services.registrations import registration_create
    from tests.factories import EventFactory, UserFactory

    event = EventFactory(city=city, capacity=1)
    registration_create(event=event, user=UserFactory(), consent_version="v")
    waiting = UserFactory()
    registration_create(event=event, user=waiting, consent_version="v")
    client.force_login(waiting)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Add to your calendar" not in html
    assert "Once you have a seat" in html


@pytest.mark.django_db
def test_my_registrations_folds_past_ones_and_shows_the_qr_only_for_the_next_day(client, city):
    from datetime import timedelta

    from django.utils import timezone

    from events.services.events import _refresh_event_dates
    from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

    user = UserFactory()
    now = timezone.now()
    soon = EventFactory(city=city, title="Tomorrow's walk", sessions=0)
    SessionFactory(event=soon, starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22))
    later = EventFactory(city=city, title="Next month's café", sessions=0)
    SessionFactory(event=later, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=2))
    past = EventFactory(city=city, title="Last month's debate", sessions=0)
    SessionFactory(event=past, starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-2))
    for event in (soon, later, past):
        _refresh_event_dates(event)
        RegistrationFactory(event=event, user=user)
    client.force_login(user)
    html = client.get(reverse("registrations:my_registrations")).content.decode()
    # One QR open (tomorrow), one folded (next month), none for the past event, which is folded itself.
    assert html.count('<figure class="registration-qr">') == 2
    assert html.count("Show my check-in code") == 1
    past_section = html[html.index("my-registrations-past"):]
    assert "<details" in past_section.split("Last month")[0]
    assert "calendar-links" not in past_section
