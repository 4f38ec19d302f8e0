"""The organizer's pages: dashboard, event form with its sessions, duplicate, publish, cancel."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.models import CityMembership, Event, Registration, Session
from events.services import notifications
from events.services.events import _refresh_event_dates, event_cancel
from tests.factories import (
    CityFactory,
    EventFactory,
    OrganizerFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

RIGA = ZoneInfo("Europe/Riga")


def riga(*args) -> datetime:
    return datetime(*args, tzinfo=RIGA)


class _FormValues(HTMLParser):
    """What a browser would submit from the first form with ``form_class``, before any submit button."""

    def __init__(self, form_class: str):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.values: dict[str, str] = {}
        self._in_form = self._done = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self._done and self.form_class in (attrs.get("class") or "").split():
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value") or "on"
            else:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select_first is None:
                self._select_first = value
                self.values.setdefault(self._select, value)
            if "selected" in attrs:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            # Browsers drop the newline that follows <textarea>.
            self.values[self._textarea] += data if self.values[self._textarea] else data.lstrip("\n")


def form_values(client, url: str, form_class: str = "event-form") -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormValues(form_class)
    parser.feed(response.content.decode())
    assert parser.values, f"no form .{form_class} on {url}"
    return parser.values


def new_event_data(client, city, **overrides) -> dict[str, str]:
    """A complete, valid new-event form with one session on 3 March 2026, 10:00–12:30 city time."""
    data = form_values(client, reverse("events:manage_event_create", args=[city.slug]))
    data.update({
        "kind": Event.Kind.TRAINING, "area": Event.Area.INTERACTION, "title": "Intercultural competence",
        "venue_name": "City Council", "venue_address": "Rātslaukums 1",
        "sessions-0-title": "Module 1", "sessions-0-starts_at": "2026-03-03T10:00",
        "sessions-0-ends_at": "2026-03-03T12:30", "sessions-0-room": "Hall B",
    })
    data.update(overrides)
    return data


@pytest.fixture
def org_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def riga_event(city):
    """A published event with sessions on 3 and 10 March 2026 at 10:00 in Riga."""
    event = EventFactory(city=city, sessions=0, title="Bias in public services", capacity=10)
    SessionFactory(event=event, title="Module 1", starts_at=riga(2026, 3, 3, 10), ends_at=riga(2026, 3, 3, 12))
    SessionFactory(event=event, title="Module 2", starts_at=riga(2026, 3, 10, 10), ends_at=riga(2026, 3, 10, 12))
    _refresh_event_dates(event)
    return event


@pytest.fixture
def notified(monkeypatch):
    calls = {"changed": [], "cancelled": []}
    monkeypatch.setattr(notifications, "event_changed_notify", lambda *, event_id: calls["changed"].append(event_id))
    monkeypatch.setattr(
        notifications, "event_cancelled_notify",
        lambda *, event_id, reason="": calls["cancelled"].append((event_id, reason)),
    )
    return calls


def edit_url(event) -> str:
    return reverse("events:manage_event_edit", args=[event.pk])


# Creating ---------------------------------------------------------------------------------------------------------


def test_new_event_page_says_which_time_zone_times_are_in(org_client, city):
    response = org_client.get(reverse("events:manage_event_create", args=[city.slug]))

    assert response.status_code == 200
    assert "Times in Europe/Riga" in response.content.decode()
    assert 'type="datetime-local"' in response.content.decode()


def test_organizer_creates_a_draft_with_times_typed_on_the_city_clock(org_client, organizer, city):
    trainer = UserFactory(email="trainer@example.org")
    data = new_event_data(org_client, city, capacity="25", trainers="Trainer@Example.org", latitude="56.9475123", longitude="24.1062")
    data.update({"sessions-1-starts_at": "2026-03-10T10:00", "sessions-1-ends_at": "2026-03-10T12:00"})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert event.status == Event.Status.DRAFT
    assert event.city == city
    assert event.created_by == organizer
    assert event.capacity == 25
    assert list(event.trainers.all()) == [trainer]
    assert str(event.latitude) == "56.947512"
    sessions = list(event.sessions.all())
    # 10:00 in Riga in March (EET, UTC+2) is 08:00 UTC.
    assert sessions[0].starts_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert (sessions[0].title, sessions[0].room) == ("Module 1", "Hall B")
    assert (event.starts_at, event.ends_at) == (sessions[0].starts_at, sessions[1].ends_at)
    page = org_client.get(response["Location"]).content.decode()
    assert "The draft is saved" in page


def test_save_and_publish_publishes_the_new_event(org_client, city):
    data = new_event_data(org_client, city, publish="1")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 302
    assert Event.objects.get().status == Event.Status.PUBLISHED


def test_a_new_event_defaults_to_the_city_language(org_client, city):
    values = form_values(org_client, reverse("events:manage_event_create", args=[city.slug]))

    assert values["language"] == "lv"


def assert_refused(response, *messages_expected):
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing has been saved yet" in page
    for message in messages_expected:
        assert message in page
    return page


def test_session_ending_before_it_starts_is_refused_and_the_input_kept(org_client, city):
    data = new_event_data(org_client, city, title="Kept title", **{"sessions-0-ends_at": "2026-03-03T09:00"})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    page = assert_refused(response, "The session must end after it starts.")
    assert 'value="Kept title"' in page
    assert 'value="2026-03-03T09:00"' in page
    assert not Event.objects.exists()
    assert not Session.objects.exists()


def test_registration_closing_after_the_first_session_starts_is_refused(org_client, city):
    data = new_event_data(org_client, city, registration_closes_at="2026-03-03T10:30")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "Registration must close before the first session starts (3 March 2026, 10:00).")
    assert not Event.objects.exists()


def test_registration_opening_after_it_closes_is_refused(org_client, city):
    data = new_event_data(
        org_client, city, registration_opens_at="2026-03-01T12:00", registration_closes_at="2026-02-20T12:00"
    )

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "Registration must open before it closes.")
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        ("-1", "The capacity cannot be below zero."),
        ("ten", "Enter the capacity as a whole number, or leave it empty for no limit."),
        ("2.5", "Enter the capacity as a whole number, or leave it empty for no limit."),
    ],
)
def test_capacity_must_be_a_number_of_seats(org_client, city, capacity, message):
    data = new_event_data(org_client, city, capacity=capacity)

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    page = assert_refused(response, message)
    assert f'value="{capacity}"' in page
    assert not Event.objects.exists()


def test_publishing_without_any_session_is_refused(org_client, city):
    data = new_event_data(org_client, city, publish="1", **{"sessions-0-starts_at": "", "sessions-0-ends_at": ""})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "Add at least one session before publishing the event.")
    assert not Event.objects.exists()


def test_a_draft_may_be_saved_before_its_sessions_are_known(org_client, city):
    data = new_event_data(org_client, city, **{"sessions-0-starts_at": "", "sessions-0-ends_at": "", "sessions-0-title": "", "sessions-0-room": ""})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.starts_at is None
    assert "Dates to be announced" in org_client.get(event.get_absolute_url()).content.decode()


def test_unknown_trainer_email_is_named(org_client, city):
    data = new_event_data(org_client, city, trainers="nobody@example.org\nnot-an-email")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "Not an email address: not-an-email.")
    data["trainers"] = "nobody@example.org"
    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)
    assert_refused(response, "No account uses nobody@example.org.")
    assert not Event.objects.exists()


def test_latitude_without_longitude_is_refused(org_client, city):
    data = new_event_data(org_client, city, latitude="56.95", longitude="")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "Give both latitude and longitude, or neither.")


def test_a_time_that_does_not_exist_on_the_city_clock_is_refused(org_client, city):
    # On 29 March 2026 Riga's clocks jump from 03:00 to 04:00.
    data = new_event_data(org_client, city, **{"sessions-0-starts_at": "2026-03-29T03:30", "sessions-0-ends_at": "2026-03-29T05:00"})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert_refused(response, "couldn’t be interpreted in time zone Europe/Riga")
    assert not Event.objects.exists()


def test_adding_a_session_row_keeps_the_input_and_saves_nothing(org_client, city):
    data = new_event_data(org_client, city, title="", add_session="1")
    rows = int(data["sessions-TOTAL_FORMS"])

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.context["formset"].forms) == rows + 1
    assert 'value="2026-03-03T10:00"' in page
    assert "This field is required" not in page
    assert "Nothing has been saved yet" not in page
    assert not Event.objects.exists()


@pytest.mark.parametrize("total", ["", "many", "100000"])
def test_a_tampered_sessions_count_is_refused_not_a_crash(org_client, city, total):
    data = new_event_data(org_client, city, **{"sessions-TOTAL_FORMS": total})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 200
    assert not Event.objects.exists()


# Editing ----------------------------------------------------------------------------------------------------------


def test_edit_page_shows_session_times_on_the_city_clock(org_client, riga_event):
    values = form_values(org_client, edit_url(riga_event))

    assert values["sessions-0-starts_at"] == "2026-03-03T10:00"
    assert values["sessions-1-ends_at"] == "2026-03-10T12:00"
    assert values["title"] == "Bias in public services"
    assert values["capacity"] == "10"


def test_edit_moves_deletes_and_adds_sessions_in_one_save(org_client, riga_event, notified, django_capture_on_commit_callbacks):
    first, second = riga_event.sessions.all()
    data = form_values(org_client, edit_url(riga_event))
    data.update({
        "title": "Bias in public services, part 1",
        "sessions-0-starts_at": "2026-03-03T14:00", "sessions-0-ends_at": "2026-03-03T16:00",
        "sessions-1-DELETE": "on",
        "sessions-2-starts_at": "2026-03-17T10:00", "sessions-2-ends_at": "2026-03-17T12:00", "sessions-2-room": "B2",
    })

    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post(edit_url(riga_event), data)

    assert response.status_code == 302
    riga_event.refresh_from_db()
    assert riga_event.title == "Bias in public services, part 1"
    sessions = list(riga_event.sessions.all())
    assert [s.pk for s in sessions][0] == first.pk
    assert not Session.objects.filter(pk=second.pk).exists()
    assert [(timezone.localtime(s.starts_at, RIGA).strftime("%d %H:%M"), s.room) for s in sessions] == [
        ("03 14:00", ""), ("17 10:00", "B2"),
    ]
    assert (riga_event.starts_at, riga_event.ends_at) == (riga(2026, 3, 3, 14), riga(2026, 3, 17, 12))
    # Participants hear about it once, not once per session.
    assert notified["changed"] == [riga_event.pk]


def test_an_unchanged_save_tells_participants_nothing(org_client, riga_event, notified, django_capture_on_commit_callbacks):
    data = form_values(org_client, edit_url(riga_event))

    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post(edit_url(riga_event), data)

    assert response.status_code == 302
    assert notified["changed"] == []
    assert list(riga_event.sessions.values_list("sequence", flat=True)) == [0, 0]


def test_lowering_capacity_below_confirmed_is_refused_on_the_capacity_field(org_client, riga_event):
    RegistrationFactory.create_batch(3, event=riga_event)
    data = form_values(org_client, edit_url(riga_event))
    data.update({"capacity": "2", "title": "Renamed", "sessions-0-starts_at": "2026-03-03T11:00"})

    response = org_client.post(edit_url(riga_event), data)

    page = assert_refused(response, "The capacity cannot be lower than the 3 confirmed registrations.")
    assert response.context["form"].errors["capacity"]
    assert 'value="Renamed"' in page
    stored = Event.objects.get(pk=riga_event.pk)
    assert (stored.capacity, stored.title) == (10, "Bias in public services")
    assert timezone.localtime(stored.sessions.first().starts_at, RIGA).hour == 10


def test_raising_capacity_is_saved(org_client, riga_event):
    RegistrationFactory.create_batch(3, event=riga_event)
    data = form_values(org_client, edit_url(riga_event))
    data["capacity"] = "3"

    assert org_client.post(edit_url(riga_event), data).status_code == 302
    assert Event.objects.get(pk=riga_event.pk).capacity == 3


def test_a_published_event_cannot_lose_all_its_sessions(org_client, riga_event):
    data = form_values(org_client, edit_url(riga_event))
    data.update({"sessions-0-DELETE": "on", "sessions-1-DELETE": "on"})

    response = org_client.post(edit_url(riga_event), data)

    assert_refused(response, "A published event keeps at least one session. To call it off, cancel the event.")
    assert riga_event.sessions.count() == 2


def test_a_cancelled_event_cannot_be_edited(org_client, riga_event, organizer):
    event_cancel(event=riga_event, actor=organizer)

    response = org_client.get(edit_url(riga_event), follow=True)

    assert response.redirect_chain[-1][0] == riga_event.get_absolute_url()
    assert "A cancelled event cannot be changed" in response.content.decode()


def test_a_session_id_of_another_event_cannot_be_edited_through_this_form(org_client, riga_event, city):
    other = EventFactory(city=city)
    foreign = other.sessions.get()
    data = form_values(org_client, edit_url(riga_event))
    data["sessions-0-id"] = str(foreign.pk)
    data["sessions-0-starts_at"] = "2026-03-03T15:00"

    response = org_client.post(edit_url(riga_event), data)

    assert response.status_code == 200
    assert Session.objects.get(pk=foreign.pk).starts_at == foreign.starts_at


# Duplicate, publish, cancel ---------------------------------------------------------------------------------------


def test_duplicate_creates_a_shifted_draft_and_opens_it_for_editing(org_client, riga_event):
    response = org_client.post(reverse("events:manage_event_duplicate", args=[riga_event.pk]), {"weeks": "4"})

    copy = Event.objects.exclude(pk=riga_event.pk).get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(copy)
    assert copy.status == Event.Status.DRAFT
    assert [timezone.localtime(s.starts_at, RIGA) for s in copy.sessions.all()] == [
        riga(2026, 3, 31, 10), riga(2026, 4, 7, 10),
    ]
    page = org_client.get(response["Location"]).content.decode()
    assert "This is a draft copy of “Bias in public services”" in page
    assert 'value="2026-03-31T10:00"' in page


def test_duplicate_with_a_bad_shift_explains_and_copies_nothing(org_client, riga_event):
    response = org_client.post(reverse("events:manage_event_duplicate", args=[riga_event.pk]), {"weeks": "-2"}, follow=True)

    assert Event.objects.count() == 1
    assert "greater than or equal to 0" in response.content.decode()


def test_duplicate_is_post_only(org_client, riga_event):
    assert org_client.get(reverse("events:manage_event_duplicate", args=[riga_event.pk])).status_code == 405


def test_publish_a_draft(org_client, city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)

    response = org_client.post(reverse("events:manage_event_publish", args=[draft.pk]), follow=True)

    assert Event.objects.get(pk=draft.pk).status == Event.Status.PUBLISHED
    assert "The event is published." in response.content.decode()


def test_publishing_a_draft_without_sessions_sends_the_organizer_to_the_form(org_client, city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT, sessions=0)

    response = org_client.post(reverse("events:manage_event_publish", args=[draft.pk]), follow=True)

    assert response.redirect_chain[-1][0] == edit_url(draft)
    assert "Add at least one session before publishing the event." in response.content.decode()
    assert Event.objects.get(pk=draft.pk).status == Event.Status.DRAFT


def test_cancel_asks_first_and_says_how_many_people_are_told(org_client, riga_event):
    RegistrationFactory.create_batch(2, event=riga_event)
    RegistrationFactory(event=riga_event, status=Registration.Status.CANCELLED)

    response = org_client.get(reverse("events:manage_event_cancel", args=[riga_event.pk]))

    assert response.status_code == 200
    assert "2 people are registered and will be told by email." in response.content.decode()
    assert Event.objects.get(pk=riga_event.pk).status == Event.Status.PUBLISHED


def test_cancel_keeps_the_event_public_with_a_banner(org_client, client, riga_event, notified, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post(reverse("events:manage_event_cancel", args=[riga_event.pk]), {"reason": "The venue is flooded."})

    assert response.status_code == 302
    assert Event.objects.get(pk=riga_event.pk).status == Event.Status.CANCELLED
    assert notified["cancelled"] == [(riga_event.pk, "The venue is flooded.")]
    client.logout()
    page = client.get(riga_event.get_absolute_url())
    assert page.status_code == 200
    assert "This event has been cancelled." in page.content.decode()
    assert "seats left" not in page.content.decode()


def test_cancel_page_of_an_event_without_registrations(org_client, riga_event):
    page = org_client.get(reverse("events:manage_event_cancel", args=[riga_event.pk])).content.decode()

    assert "Nobody is registered yet." in page


def test_a_draft_is_not_cancelled_but_left_hidden(org_client, city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)

    response = org_client.post(reverse("events:manage_event_cancel", args=[draft.pk]), {"reason": ""}, follow=True)

    assert Event.objects.get(pk=draft.pk).status == Event.Status.DRAFT
    assert "Only a published event can be cancelled." in response.content.decode()


# Dashboard and the event page's links -----------------------------------------------------------------------------


def test_dashboard_lists_the_organizers_cities_with_confirmed_counts(org_client, city, other_city, riga_event):
    draft = EventFactory(city=city, status=Event.Status.DRAFT, sessions=0, title="Undated draft")
    RegistrationFactory.create_batch(2, event=riga_event)
    RegistrationFactory(event=riga_event, status=Registration.Status.WAITING, waiting_rank=1)
    EventFactory(city=other_city, title="Ravenna round table")

    response = org_client.get(reverse("events:manage_dashboard"))

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("events:manage_event_create", args=[city.slug]) in page
    assert reverse("events:manage_event_create", args=[other_city.slug]) not in page
    assert "Ravenna round table" not in page
    assert draft.title in page
    assert "2 of 10 confirmed" in page
    assert "Draft" in page
    assert page.index(draft.title) < page.index(riga_event.title)


def test_staff_dashboard_has_every_city(client, admin_user, city, other_city):
    client.force_login(admin_user)

    page = client.get(reverse("events:manage_dashboard")).content.decode()

    assert reverse("events:manage_event_create", args=[city.slug]) in page
    assert reverse("events:manage_event_create", args=[other_city.slug]) in page


def test_event_page_offers_managers_the_foundation_actions(org_client, city, riga_event):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)

    published_page = org_client.get(riga_event.get_absolute_url()).content.decode()
    draft_page = org_client.get(draft.get_absolute_url()).content.decode()

    assert edit_url(riga_event) in published_page
    assert reverse("events:manage_event_duplicate", args=[riga_event.pk]) in published_page
    assert reverse("events:manage_event_cancel", args=[riga_event.pk]) in published_page
    assert reverse("events:manage_event_publish", args=[riga_event.pk]) not in published_page
    assert reverse("events:manage_event_publish", args=[draft.pk]) in draft_page
    assert reverse("events:manage_event_cancel", args=[draft.pk]) not in draft_page


def test_trainers_do_not_get_the_organizer_actions(client, riga_event):
    trainer = UserFactory()
    riga_event.trainers.add(trainer)
    client.force_login(trainer)

    page = client.get(riga_event.get_absolute_url()).content.decode()

    assert edit_url(riga_event) not in page
    assert reverse("events:manage_event_duplicate", args=[riga_event.pk]) not in page


def test_an_organizer_of_two_cities_creates_in_each(client, city):
    second = CityFactory(name="Lublin", slug="lublin", timezone="Europe/Warsaw", country="PL", default_language="pl")
    organizer = OrganizerFactory(city=city)
    CityMembership.objects.create(user=organizer, city=second)
    client.force_login(organizer)

    response = client.get(reverse("events:manage_event_create", args=[second.slug]))

    assert response.status_code == 200
    assert "Times in Europe/Warsaw" in response.content.decode()


def test_past_events_are_listed_apart_on_the_dashboard(org_client, city):
    EventFactory(city=city, title="Last year's launch", sessions=1, sessions__start=timezone.now() - timedelta(days=400))

    page = org_client.get(reverse("events:manage_dashboard")).content.decode()

    assert "1 past event" in page
    assert "Last year&#x27;s launch" in page


def test_dashboard_and_edit_page_cost_the_same_with_3_or_30_events_and_sessions(
    org_client, city, riga_event, django_assert_max_num_queries
):
    EventFactory.create_batch(2, city=city, sessions=3)
    riga_event.trainers.add(*UserFactory.create_batch(3))
    urls = [reverse("events:manage_dashboard"), edit_url(riga_event)]
    small = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert org_client.get(url).status_code == 200
        small[url] = len(queries)

    for event in EventFactory.create_batch(27, city=city, sessions=3):
        RegistrationFactory(event=event)
    for i in range(28):
        SessionFactory(event=riga_event, starts_at=riga(2026, 4, 1, 10) + timedelta(days=i))
    riga_event.trainers.add(*UserFactory.create_batch(27))

    for url in urls:
        with django_assert_max_num_queries(small[url]):
            assert org_client.get(url).status_code == 200


def test_duplicate_defaults_to_the_first_week_after_the_event(org_client, riga_event):
    # Sessions on 3 and 10 March: a copy one week later would overlap; two weeks is the first free one.
    page = org_client.get(riga_event.get_absolute_url()).content.decode()
    assert f'id="duplicate-weeks-{riga_event.pk}" value="2"' in page

    org_client.post(reverse("events:manage_event_duplicate", args=[riga_event.pk]), {"weeks": ""})

    copy = Event.objects.exclude(pk=riga_event.pk).get()
    assert [timezone.localtime(s.starts_at, RIGA) for s in copy.sessions.all()] == [
        riga(2026, 3, 17, 10), riga(2026, 3, 24, 10),
    ]


def test_dashboard_lists_the_next_and_latest_events_and_points_to_the_programme_for_the_rest(
    org_client, city, monkeypatch
):
    from events.views import manage

    monkeypatch.setattr(manage, "DASHBOARD_UPCOMING", 2)
    monkeypatch.setattr(manage, "DASHBOARD_PAST", 2)
    now = timezone.now()
    for n in range(3):
        EventFactory(city=city, title=f"Coming {n}", sessions__start=now + timedelta(days=10 + n))
        EventFactory(city=city, title=f"Past {n}", sessions__start=now - timedelta(days=30 + n))
    draft = EventFactory(city=city, title="Undated draft", status=Event.Status.DRAFT, sessions=0)
    assert draft.starts_at is None

    page = org_client.get(reverse("events:manage_dashboard")).content.decode()

    # The draft still needing dates first, the next two, the latest two past ones.
    assert page.index("Undated draft") < page.index("Coming 0") < page.index("Coming 1")
    assert "Coming 2" not in page
    assert "Past 0" in page and "Past 1" in page and "Past 2" not in page
    assert "The latest 2 past events" in page
    assert "Later events are not listed here." in page and "Older events are not listed here." in page
    assert f'href="/events/?city={city.slug}&amp;date_from=2000-01-01"' in page
