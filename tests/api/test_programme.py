"""The event reads' ETags stand on the programme's version: a 304 reads nothing, yet every change
a city website would see in the answer gives a new ETag."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.programme import programme_version
from events.models import CityMembership, Event
from events.services.events import event_cancel, event_publish, event_update, session_create, session_update
from events.services.registrations import RegistrationError, registration_cancel, registration_create
from tests.api.conftest import make_token, with_token
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("api:event_list")


def etag_of(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response["ETag"]


def still_fresh(client, url, etag, **params) -> bool:
    response = client.get(url, params, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code in (200, 304)
    return response.status_code == 304


@pytest.fixture
def event(city):
    return EventFactory(city=city, capacity=2, sessions=1)


@pytest.fixture
def change(django_capture_on_commit_callbacks):
    """Run a service as a request would: committed, its on-commit work done."""

    def run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return run


def test_a_304_reads_nothing_from_the_database(api, event):
    etag = etag_of(api, EVENTS)
    with CaptureQueriesContext(connection) as queries:
        assert still_fresh(api, EVENTS, etag)
    assert len(queries) == 0
    detail = reverse("api:event_detail", args=[event.pk])
    etag = etag_of(api, detail)
    with CaptureQueriesContext(connection) as queries:
        assert still_fresh(api, detail, etag)
    assert len(queries) == 0


def test_the_etag_depends_on_the_query_and_the_language(api, event):
    etag = etag_of(api, EVENTS)
    assert not still_fresh(api, EVENTS, etag, city="riga")
    assert not still_fresh(api, EVENTS, etag, lang="de")
    assert not still_fresh(api, EVENTS, etag, page_size=1)
    assert etag_of(api, EVENTS, lang="de") != etag_of(api, EVENTS, lang="sv")


def test_editing_an_event_changes_the_etag(api, event, change):
    list_etag, detail_etag = etag_of(api, EVENTS), etag_of(api, reverse("api:event_detail", args=[event.pk]))
    change(event_update, event=event, title="Open day, new title")
    assert not still_fresh(api, EVENTS, list_etag)
    assert not still_fresh(api, reverse("api:event_detail", args=[event.pk]), detail_etag)
    assert api.get(EVENTS).json()["results"][0]["title"] == "Open day, new title"


def test_moving_a_session_changes_the_etag(api, event, change):
    etag = etag_of(api, EVENTS)
    session = event.sessions.get()
    later = session.starts_at + timedelta(hours=1)
    change(session_update, session=session, starts_at=later, ends_at=later + timedelta(hours=2))
    assert not still_fresh(api, EVENTS, etag)
    etag = etag_of(api, EVENTS)
    change(session_update, session=event.sessions.get(), starts_at=later, ends_at=later + timedelta(hours=2),
           room="Hall B")
    assert not still_fresh(api, EVENTS, etag)
    etag = etag_of(api, EVENTS)
    change(session_create, event=event, starts_at=later + timedelta(days=7), ends_at=later + timedelta(days=7, hours=2))
    assert not still_fresh(api, EVENTS, etag)


def test_the_seat_bucket_changing_after_registrations_changes_the_etag(api, event, change):
    def register():
        return change(registration_create, event=event, user=UserFactory(), consent_version="v1")

    first = register()
    etag = etag_of(api, EVENTS)
    assert api.get(EVENTS).json()["results"][0]["seats"] == "few_left"
    register()  # the second of two seats
    assert not still_fresh(api, EVENTS, etag)
    assert api.get(EVENTS).json()["results"][0]["seats"] == "waiting_list"
    etag = etag_of(api, EVENTS)
    change(registration_cancel, registration=first, actor=first.user)
    assert not still_fresh(api, EVENTS, etag)


def test_adding_a_translation_changes_the_etag(api, event, change):
    etag = etag_of(api, EVENTS, lang="de")
    change(event_update, event=event, translations={"de": {"title": "Tag der offenen Tür"}})
    assert not still_fresh(api, EVENTS, etag, lang="de")
    assert api.get(EVENTS, {"lang": "de"}).json()["results"][0]["title"] == "Tag der offenen Tür"


def test_cancelling_and_publishing_change_the_etag(api, event, organizer, change):
    etag = etag_of(api, EVENTS)
    change(event_cancel, event=event, actor=organizer, reason="Storm")
    assert not still_fresh(api, EVENTS, etag)
    assert api.get(EVENTS).json()["results"][0]["status"] == "cancelled"
    draft = EventFactory(city=event.city, status=Event.Status.DRAFT, sessions=1)
    etag = etag_of(api, EVENTS)
    change(event_publish, event=draft)
    assert not still_fresh(api, EVENTS, etag)


def test_renaming_a_city_changes_the_etag(api, event, change):
    etag = etag_of(api, EVENTS)
    city = event.city
    city.slug = "riga-lv"
    change(city.save)
    assert not still_fresh(api, EVENTS, etag)


def test_a_refused_or_rolled_back_change_keeps_the_etag(api, event, django_capture_on_commit_callbacks):
    etag = etag_of(api, EVENTS)
    registration = RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            event_update(event=event, title="Never saved")
            raise RuntimeError("the request failed after the change")
        with pytest.raises(RegistrationError):
            registration_cancel(registration=registration, actor=UserFactory())  # not theirs: refused
    assert still_fresh(api, EVENTS, etag)


def test_the_version_changes_only_when_the_change_commits(event, django_capture_on_commit_callbacks):
    before = programme_version()
    with django_capture_on_commit_callbacks(execute=True):
        event_update(event=event, title="A")
        event_update(event=event, title="B")
        # Read before the commit: the old version still tags what readers can see.
        assert programme_version() == before
    assert programme_version() != before


def test_the_minute_changes_the_etag(api, event, monkeypatch):
    etag = etag_of(api, EVENTS)
    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr("api.views.timezone.now", lambda: later)
    assert not still_fresh(api, EVENTS, etag)


def test_a_tokens_drafts_follow_its_owners_rights(city, organizer, change):
    draft = EventFactory(city=city, status=Event.Status.DRAFT, sessions=1)
    client = with_token(make_token(organizer))
    etag = etag_of(client, EVENTS)
    assert draft.pk in [row["id"] for row in client.get(EVENTS).json()["results"]]
    assert still_fresh(client, EVENTS, etag)
    CityMembership.objects.filter(user=organizer).delete()  # no service changes memberships
    assert not still_fresh(client, EVENTS, etag)
    assert draft.pk not in [row["id"] for row in client.get(EVENTS).json()["results"]]
