"""Token writes go through the same services as the pages, and a retried POST acts once."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from events.models import Attendance, Event, Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_register_a_person_through_the_registration_service(organizer_client, city, django_capture_on_commit_callbacks):
    event = EventFactory(city=city, capacity=1)
    RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            reverse("api:event_registrations", args=[event.pk]), {"email": "ana@example.org", "full_name": "Ana"},
            format="json",
        )
    assert response.status_code == 201, response.content
    # Full: the same waiting list as the pages, and the same emails.
    assert response.json()["status"] == "waiting"
    assert response.json()["waiting_position"] == 1
    assert any("ana@example.org" in m.to for m in mail.outbox)


def test_idempotent_post_registers_once(organizer_client, city):
    event = EventFactory(city=city)
    url = reverse("api:event_registrations", args=[event.pk])
    body = {"email": "ana@example.org"}
    first = organizer_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = organizer_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Registration.objects.filter(event=event).count() == 1
    # Without the key the service itself refuses a second registration, with its message.
    third = organizer_client.post(url, body, format="json")
    assert third.status_code == 400 and third.json()["code"] == "duplicate"
    reused = organizer_client.post(url, {"email": "bo@example.org"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422


def test_service_refusal_is_a_translated_400(organizer_client, city):
    event = EventFactory(city=city)
    response = organizer_client.post(
        reverse("api:event_registrations", args=[event.pk]), {"email": "not-an-email"}, format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert response.json()["email"]


def test_cancel_frees_the_seat_for_the_waiting_list(organizer_client, city):
    event = EventFactory(city=city, capacity=1)
    seated = RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITING, waiting_rank=1)
    response = organizer_client.post(
        reverse("api:registration_cancel", args=[seated.pk]), {"reason": "Ill"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_registration_list_with_answers_and_export(organizer_client, city):
    event = EventFactory(city=city)
    registration = RegistrationFactory(event=event, user=UserFactory(full_name="Zoë Ångström"))
    question = event.questions.create(label="Diet", kind="short_text")
    registration.answers.create(question=question, value="vegan")
    data = organizer_client.get(reverse("api:event_registrations", args=[event.pk])).json()
    assert data["results"][0]["answers"] == [{"question": question.pk, "label": "Diet", "value": "vegan"}]
    assert data["results"][0]["name"] == "Zoë Ångström"
    export = organizer_client.get(reverse("api:event_registrations_export", args=[event.pk]))
    assert export["Content-Type"].startswith("text/csv")
    assert "Zoë Ångström" in export.content.decode("utf-8-sig")
    xlsx = organizer_client.get(reverse("api:event_registrations_export", args=[event.pk]), {"file_format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_attendance(organizer_client, city):
    event = EventFactory(city=city)
    registration = RegistrationFactory(event=event)
    session = event.sessions.get()
    url = reverse("api:session_attendance", args=[session.pk])
    response = organizer_client.post(url, {"registration": registration.pk, "present": True}, format="json")
    assert response.status_code == 200, response.content
    assert Attendance.objects.get().present is True
    assert organizer_client.get(url).json()[0]["registration"] == registration.pk
    other = RegistrationFactory()
    assert organizer_client.post(url, {"registration": other.pk, "present": True}, format="json").status_code == 400


def test_certificates_list_and_revoke(organizer_client, city):
    event = EventFactory(city=city)
    registration = RegistrationFactory(event=event)
    certificate = Certificate.objects.create(
        number="EPI-RIG-2026-000001", event=event, registration=registration, holder=registration.user,
        language="en", holder_name="A", event_title=event.title, event_kind="x", city_name="Riga",
        first_date=timezone.now().date(), last_date=timezone.now().date(), hours=2, sessions_attended=1,
        sessions_total=1,
    )
    listed = organizer_client.get(reverse("api:event_certificates", args=[event.pk])).json()
    assert listed["results"][0]["number"] == "EPI-RIG-2026-000001"
    url = reverse("api:certificate_revoke", args=[certificate.pk])
    assert organizer_client.post(url, {}, format="json").status_code == 400
    response = organizer_client.post(url, {"reason": "Wrong name"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"


def test_aggregates_are_the_dashboards_figures_with_its_suppression(organizer_client, organizer, city, other_city):
    from evidence.aggregates import Filters, dashboard_figures, reach_figures
    from privacy.services.demographics import demographics_save
    from tests.evidence.test_dashboard import _held_event

    people = []
    for _ in range(2):
        _event, users = _held_event(city, people=7, present=6)
        people += users
    _held_event(other_city, people=3, present=3)
    for index, user in enumerate(people[:12]):
        demographics_save(user=user, consent=True, moved_to_country="yes" if index < 9 else "no", age_band="25-34")
    data = organizer_client.get(reverse("api:aggregates")).json()
    # The organizer's cities only, computed by the dashboard's own functions.
    assert [row["city"] for row in data["cities"]] == ["riga"]
    riga = next(c for c in dashboard_figures(Filters(city_ids=frozenset([city.pk]))).cities)
    row = data["cities"][0]
    assert (row["events"], row["confirmed_ended"], row["attended"], row["no_shows"]) == (
        riga.events, riga.confirmed_ended, riga.attended, riga.no_shows) == (2, 14, 12, 2)
    assert row["registrations"]["confirmed"] == 14 and data["total"]["attended"] == 12
    # Reach as the dashboard publishes it: the same hidden cells, never per event.
    assert data["threshold"] == 5
    moved = next(t for t in data["reach"] if t["item"] == "moved_to_country")
    expected = next(t for t in reach_figures(Filters(city_ids=frozenset([city.pk]))) if t.item == "moved_to_country")
    assert [c["value"] for c in moved["categories"]] == expected.categories
    assert moved["rows"] == [{"city": "riga", "cells": expected.rows[0]["cells"], "answered": expected.rows[0]["answered"],
                              "of": 12}]
    assert moved["rows"][0]["cells"][expected.categories.index("no")] is None  # 3 people
    assert "events" not in data  # per city, never per event


def test_aggregates_filters_and_refusals(organizer_client, city, other_city):
    from tests.evidence.test_dashboard import _held_event

    _held_event(city, people=2, present=2, kind=Event.Kind.TRAINING)
    _held_event(city, people=1, present=1, kind=Event.Kind.LAUNCH)
    url = reverse("api:aggregates")
    assert organizer_client.get(url, {"kind": "training"}).json()["cities"][0]["attended"] == 2
    assert organizer_client.get(url, {"city": "riga"}).json()["cities"][0]["attended"] == 3
    refused = organizer_client.get(url, {"city": "ravenna"}, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 403 and refused.json()["detail"] != "This token does not give access to this city."
    assert organizer_client.get(url, {"kind": "party"}).json().keys() == {"kind"}
    backwards = organizer_client.get(url, {"start": "2026-05-02", "end": "2026-05-01"})
    assert backwards.status_code == 400 and backwards.json().keys() == {"end"}
