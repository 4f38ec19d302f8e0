"""Odd input gets a translated message or a 404, never a 500: dates, control characters, paths."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.forms_registration_admin import AddByEmailForm
from events.models import Event, Session
from events.services import events as event_services
from events.validation import CleanInputMixin
from tests.events.test_manage import new_event_data
from tests.factories import EventFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_client(client, organizer):
    client.force_login(organizer)
    return client


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["0001-01-01T10:00", "1999-12-31T10:00", "2101-01-01T10:00", "9999-12-31T23:59"])
def test_a_session_outside_2000_to_2100_is_refused_next_to_the_field(org_client, city, when):
    data = new_event_data(org_client, city, **{"sessions-0-starts_at": when, "sessions-0-ends_at": when[:-5] + "23:59"})

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 200
    assert "Choose a date between 2000-01-01 and 2100-12-31." in response.content.decode()
    assert not Event.objects.filter(city=city).exists()


def test_a_registration_deadline_in_year_one_is_refused(org_client, city):
    data = new_event_data(org_client, city, registration_closes_at="0001-01-01T10:00")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 200
    assert "Choose a date between 2000-01-01 and 2100-12-31." in response.content.decode()


def test_the_session_service_refuses_dates_outside_the_range(event):
    with pytest.raises(ValidationError):
        event_services.session_create(
            event=event, starts_at=datetime(1, 1, 2, tzinfo=UTC), ends_at=datetime(1, 1, 3, tzinfo=UTC)
        )
    assert event.sessions.count() == 1


def test_duplicating_past_2100_explains_and_copies_nothing(org_client, city):
    start = datetime(2100, 6, 1, 8, tzinfo=UTC)
    event = EventFactory(city=city, sessions=0)
    SessionFactory(event=event, starts_at=start, ends_at=start + timedelta(hours=2))

    response = org_client.post(reverse("events:manage_event_duplicate", args=[event.pk]), {"weeks": "104"}, follow=True)

    assert response.status_code == 200
    assert "The copy would fall outside 2000-01-01 – 2100-12-31. Choose a smaller shift." in response.content.decode()
    assert Event.objects.filter(city=city).count() == 1


def test_duplicating_a_stored_year_9999_event_is_an_event_error_not_an_overflow(city, organizer):
    event = EventFactory(city=city, sessions=0)
    start = datetime(9999, 12, 1, tzinfo=UTC)
    Session.objects.bulk_create([Session(event=event, starts_at=start, ends_at=start + timedelta(hours=2))])

    with pytest.raises(event_services.EventError):
        event_services.event_duplicate(event=event, actor=organizer, shift=timedelta(weeks=104))
    assert Event.objects.filter(city=city).count() == 1


def test_the_programme_filter_refuses_year_one(client):
    response = client.get(reverse("events:event_list"), {"date_from": "0001-01-01"})

    assert response.status_code == 200
    assert "Choose a date between 2000-01-01 and 2100-12-31." in response.content.decode()


# --- control characters ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/calendars/me/abc%00def.ics", "/events/1%00/", "/cities/ri%0Aga/", "/%00"])
def test_a_control_character_in_a_path_is_a_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "<h1>" in response.content.decode()


def test_a_control_character_in_a_query_string_is_a_translated_400(client):
    response = client.get("/events/?city=ri%00ga", HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 400
    assert "<h1>Något i begäran var fel</h1>" in response.content.decode()


def test_a_control_character_in_a_city_filter_of_the_calendar_feed_is_refused(client, city):
    assert client.get("/calendars/events.ics?city=ri%00ga").status_code == 400


@pytest.mark.parametrize("value", ["ana\x00@example.org", "ana@example.org\x07", "a\x1bb@example.org"])
def test_forms_refuse_control_characters_with_a_message(value):
    form = AddByEmailForm({"email": value, "full_name": "Ana"})

    assert not form.is_valid()
    assert form.errors["email"] == [
        "This contains invisible control characters (such as a NUL byte). Remove them and try again."
    ]


def test_tabs_and_line_breaks_are_ordinary_text():
    form = AddByEmailForm({"email": "ana@example.org", "full_name": "Ana\tMaria\r\n"})

    assert form.is_valid(), form.errors


def test_a_nul_in_a_lookup_field_never_reaches_the_database(client, city):
    from events.filters import EventFilterForm

    form = EventFilterForm({"city": "ri\x00ga"})

    assert not form.is_valid()
    assert "control characters" in form.errors["city"][0]


def test_a_nul_in_a_posted_form_is_shown_next_to_the_field(org_client, city):
    data = new_event_data(org_client, city, title="Launch\x00night", kind="launch\x00")

    response = org_client.post(reverse("events:manage_event_create", args=[city.slug]), data)

    assert response.status_code == 200
    # Next to each of the two fields, and again in the error summary at the top of the form.
    assert response.content.decode().count("invisible control characters") == 4
    assert not Event.objects.filter(city=city).exists()


def test_every_form_of_the_site_refuses_control_characters():
    """All forms share one home for the rule: SafeForm / SafeModelForm (events.validation)."""
    from tests.test_input_limits import site_form_classes

    missing = [cls.__qualname__ for cls in site_form_classes() if not issubclass(cls, CleanInputMixin)]
    assert missing == []
