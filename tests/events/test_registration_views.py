import re
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


def _history(user, city, *, now=None, to_come=0, past=0, waiting=0, pending=0, cancelled=0, certified=0, odd=0):
    """``user``'s registrations, built in bulk (the page is under test, not the factories): ``to_come``
    confirmed ones starting in 2, 3… days (every third with three sessions), ``past`` confirmed ones
    that ended 2, 3… days ago (the first ``certified`` with a valid certificate), ``waiting`` behind
    someone, ``pending`` and ``cancelled`` ones for events to come; ``odd`` of each of the rarer
    cases: a seat at an event the city called off, a refusal with a message, past and to come."""
    from certificates.models import Certificate
    from events.models import Session

    now = now or timezone.now()
    plan = (
        [("confirmed", 1)] * to_come + [("waiting", 1)] * waiting + [("pending", 1)] * pending
        + [("cancelled", 1)] * cancelled + [("called off", 1), ("rejected", 1), ("rejected", -1)] * odd
        + [("confirmed", -1)] * past
    )
    events = Event.objects.bulk_create(
        Event(city=city, kind=Event.Kind.WORKSHOP, area=Event.Area.INTERACTION, title=f"Café {number}",
              language="en", venue_name="Library", capacity=30,
              status=Event.Status.CANCELLED if status == "called off" else Event.Status.PUBLISHED)
        for number, (status, _sign) in enumerate(plan)
    )
    sessions, registrations = [], []
    ahead = UserFactory()
    for number, ((status, sign), event) in enumerate(zip(plan, events, strict=True)):
        start = now + sign * timedelta(days=2 + number)
        count = 3 if sign > 0 and number % 3 == 2 else 1
        sessions += [
            Session(event=event, starts_at=start + timedelta(days=7 * i), ends_at=start + timedelta(days=7 * i, hours=2))
            for i in range(count)
        ]
        event.starts_at, event.ends_at = start, start + timedelta(days=7 * (count - 1), hours=2)
        if status == "waiting":
            registrations.append(Registration(event=event, user=ahead, status="waiting", waiting_rank=1))
        registrations.append(
            Registration(
                event=event, user=user, status="confirmed" if status == "called off" else status,
                waiting_rank=2 if status == "waiting" else None,
                decision_message="The room is full of your colleagues." if status == "rejected" else "",
            )
        )
    Event.objects.bulk_update(events, ["starts_at", "ends_at"])
    Session.objects.bulk_create(sessions)
    mine = Registration.objects.bulk_create(registrations)
    done = [r for r in mine if r.user_id == user.pk and r.status == "confirmed" and r.event.ends_at < now][:certified]
    for registration in done:
        Certificate.objects.create(
            number=f"T-{registration.pk}", registration=registration, holder=user, event=registration.event,
            pdf=f"certificates/t-{registration.pk}.pdf", language="en", holder_name="A", event_title="Café",
            event_kind="Workshop", city_name=city.name, first_date=now.date(), last_date=now.date(), hours=2,
            sessions_attended=1, sessions_total=1,
        )
    return [r for r in mine if r.user_id == user.pk]


def _cards(html: str, section: str) -> str:
    """The HTML of one section of "My registrations" ("" when the page has none)."""
    start = html.find(f'class="my-registrations my-registrations-{section}"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


@pytest.mark.django_db
def test_my_registrations_shows_what_comes_next_first_whatever_its_status(client, city, participant):
    now = timezone.now()
    soon_waiting = EventFactory(city=city, title="Waiting workshop", capacity=1, sessions__start=now + timedelta(days=2))
    later = EventFactory(city=city, title="Confirmed café", sessions__start=now + timedelta(days=9))
    latest = EventFactory(city=city, title="Pending panel", requires_approval=True, sessions__start=now + timedelta(days=20))
    dropped = EventFactory(city=city, title="Cancelled class", sessions__start=now + timedelta(days=1))
    called_off = EventFactory(city=city, title="Called-off walk", sessions__start=now + timedelta(days=4))
    RegistrationFactory(event=soon_waiting, status="waiting", waiting_rank=1)
    RegistrationFactory(event=soon_waiting, user=participant, status="waiting", waiting_rank=2)
    confirmed = RegistrationFactory(event=later, user=participant)
    RegistrationFactory(event=latest, user=participant, status="pending")
    RegistrationFactory(event=dropped, user=participant, status="cancelled")
    RegistrationFactory(event=called_off, user=participant)
    Event.objects.filter(pk=called_off.pk).update(status=Event.Status.CANCELLED)
    RegistrationFactory(event=EventFactory(city=city, title="Someone else's"))
    client.force_login(participant)

    html = page(client.get(reverse("registrations:my_registrations")))

    upcoming = _cards(html, "upcoming")
    titles = ["Waiting workshop", "Called-off walk", "Confirmed café", "Pending panel"]
    assert [upcoming.index(title) for title in titles] == sorted(upcoming.index(title) for title in titles)
    assert "position 2" in upcoming and "Waiting for approval" in upcoming
    walk = upcoming[upcoming.index("Called-off walk"):upcoming.index("Confirmed café")]
    assert "Event cancelled" in walk and "card-cancelled" in upcoming and "Cancel my registration" not in walk
    assert reverse("registrations:cancel", args=[confirmed.pk]) in upcoming
    # What the participant cancelled is in a group of its own, folded, after what comes.
    inactive = _cards(html, "inactive")
    assert "Cancelled class" in inactive and "Cancelled class" not in upcoming
    assert "<details" in inactive and html.index("my-registrations-upcoming") < html.index("my-registrations-inactive")
    assert "Someone else" not in html


@pytest.mark.django_db
def test_past_registrations_are_folded_twenty_at_a_time_the_latest_first(client, city, participant):
    _history(participant, city, to_come=1, past=25)
    client.force_login(participant)
    url = reverse("registrations:my_registrations")

    first = _cards(page(client.get(url)), "past")
    assert '<details class="my-registrations-folded">' in first
    assert "Show 25 registrations" in first
    shown = [int(n) for n in re.findall(r"Café (\d+)</a>", first)]
    assert shown == list(range(1, 21))  # Café 1 ended two days ago, Café 25 a month ago
    assert "?past=2" in first

    second = _cards(page(client.get(url, {"past": "2"})), "past")
    assert '<details class="my-registrations-folded" open>' in second  # the reader is paging through them
    assert [int(n) for n in re.findall(r"Café (\d+)</a>", second)] == list(range(21, 26))
    assert "?past=1" in second
    assert client.get(url, {"past": "not-a-page"}).status_code == 200


@pytest.mark.django_db
def test_my_registrations_costs_the_same_queries_for_5_or_50_registrations(client, city):
    few, many = UserFactory(), UserFactory()
    _history(few, city, to_come=2, past=1, waiting=1, pending=1, cancelled=1, certified=1, odd=1)
    _history(many, city, to_come=15, past=25, waiting=4, pending=2, cancelled=4, certified=8, odd=3)
    url = reverse("registrations:my_registrations")
    client.force_login(few)
    _count_queries(client, url)
    queries_few = _count_queries(client, url)
    client.force_login(many)

    assert _count_queries(client, url) == queries_few


@pytest.mark.django_db
def test_200_registrations_make_a_page_under_150_kb_without_a_qr_code(client, city):
    user = UserFactory()
    _history(user, city, to_come=40, past=134, waiting=8, pending=4, cancelled=8, certified=40, odd=2)
    client.force_login(user)

    response = client.get(reverse("registrations:my_registrations"))

    assert response.status_code == 200
    assert len(response.content) <= 150_000
    assert b"<svg" not in response.content


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


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
def test_no_qr_code_is_drawn_on_the_page_and_each_seat_links_to_its_own(client, city):
    from events.services.events import _refresh_event_dates
    from tests.factories import SessionFactory

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
    tomorrow, next_month, last_month = (RegistrationFactory(event=e, user=user) for e in (soon, later, past))
    client.force_login(user)

    html = client.get(reverse("registrations:my_registrations")).content.decode()

    assert "<svg" not in html
    # Tomorrow's code is on its card, as an image of its own URL; next month's is a link away.
    assert html.count('<figure class="registration-qr">') == 1
    assert f'src="{reverse("registrations:checkin_qr", args=[tomorrow.pk])}"' in html
    assert reverse("registrations:checkin_qr", args=[next_month.pk]) not in html
    assert reverse("registrations:checkin_code", args=[next_month.pk]) in html
    past_section = _cards(html, "past")
    assert "<details" in past_section.split("Last month")[0]
    assert "calendar-links" not in past_section and "card-calendar" not in past_section
    assert reverse("registrations:checkin_code", args=[last_month.pk]) not in past_section


@pytest.mark.django_db
def test_the_qr_code_is_its_holders_alone_private_and_kept_by_the_browser(client, city, admin_user):
    from events.attendance_qr import registration_qr_svg

    holder, stranger = UserFactory(), UserFactory()
    registration = RegistrationFactory(event=EventFactory(city=city), user=holder)
    url = reverse("registrations:checkin_qr", args=[registration.pk])
    client.force_login(holder)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.decode() == registration_qr_svg(registration)  # the code the scanner reads
    assert 'xmlns="http://www.w3.org/2000/svg"' in response.content.decode()
    assert "private" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and "private" in again["Cache-Control"]
    page_response = client.get(reverse("registrations:checkin_code", args=[registration.pk]))
    assert page_response.status_code == 200 and "private" in page_response["Cache-Control"]

    for other in (stranger, admin_user):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.get(reverse("registrations:checkin_code", args=[registration.pk])).status_code == 404
    # Nor for the holder once the seat is given up or the event called off.
    client.force_login(holder)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)
    assert client.get(url).status_code == 404
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CONFIRMED)
    Event.objects.filter(pk=registration.event_id).update(status=Event.Status.CANCELLED)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_cards_offer_short_calendar_links_and_past_ones_their_certificate(client, city, settings):
    from urllib.parse import quote_plus

    from certificates.models import Certificate

    user = UserFactory()
    single, _next, several, done = _history(user, city, to_come=3, past=1, certified=1)
    Event.objects.filter(pk=single.event_id).update(summary="Neighbours meet over coffee and talk")
    client.force_login(user)

    html = page(client.get(reverse("registrations:my_registrations")))

    upcoming = _cards(html, "upcoming")
    card = upcoming[upcoming.index("Café 0"):upcoming.index("Café 1")]
    assert reverse("calendars:event_ics", args=[single.event_id]) in card
    assert "calendar.google.com" in card and "outlook.live.com" in card and "outlook.office.com" in card
    # The links describe the event by its address alone: the page stays short.
    assert quote_plus(settings.SITE_URL + reverse("events:event_detail", args=[single.event_id])) in card
    assert "Neighbours" not in card
    three = upcoming[upcoming.index("Café 2"):]
    assert "Download all 3 sessions (.ics)" in three and "calendar.google.com" not in three
    assert f'{reverse("events:event_detail", args=[several.event_id])}#calendar-links-title' in three
    certificate = Certificate.objects.get(registration=done)
    assert reverse("certificates:download", args=[certificate.pk]) in _cards(html, "past")
    assert "Download my certificate" not in upcoming


