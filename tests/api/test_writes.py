"""Token writes go through the same services as the pages, and a retried POST acts once."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from events.models import Attendance, Registration
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


def test_aggregates_suppress_small_counts(organizer_client, city, settings):
    small = EventFactory(city=city)
    big = EventFactory(city=city)
    RegistrationFactory.create_batch(2, event=small)
    RegistrationFactory.create_batch(6, event=big)
    data = organizer_client.get(reverse("api:aggregates")).json()
    assert data["threshold"] == 5
    rows = {row["event"]: row for row in data["events"]}
    assert rows[small.pk]["registrations"] == {"value": None, "suppressed": True}
    assert rows[big.pk]["registrations"] == {"value": 6, "suppressed": False}
    assert rows[big.pk]["attended"] == {"value": 0, "suppressed": False}
    assert data["cities"][0]["registrations"]["value"] == 8
