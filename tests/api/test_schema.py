"""The OpenAPI 3.1 schema is valid, served, and says what the endpoints really answer."""

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from certificates.models import Certificate
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_openapi_3_1(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/events/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_schema_and_docs_are_served_from_our_own_static_files(client):
    assert client.get(reverse("api:schema")).status_code == 200
    page = client.get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page and "jsdelivr" not in page
    # No inline script: the start-up code is a file of its own.
    assert "<script>" not in page
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()


def _validate(schema, path, method, response):
    operation = schema["paths"][path][method]
    content = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    root = {**content, "components": schema["components"]}
    jsonschema.Draft202012Validator(root).validate(response.json())


def test_responses_match_the_schema(schema, api, city, organizer_client):
    event = EventFactory(city=city, sessions=2, capacity=10, latitude=56.95, longitude=24.1)
    registration = RegistrationFactory(event=event)
    registration.answers.create(question=event.questions.create(label="Diet", kind="short_text"), value="vegan")
    Certificate.objects.create(
        number="EPI-RIG-2026-000001", event=event, registration=registration, holder=registration.user,
        language="en", holder_name="A", event_title=event.title, event_kind="x", city_name="Riga",
        first_date=timezone.now().date(), last_date=timezone.now().date(), hours=2, sessions_attended=1,
        sessions_total=1,
    )
    checks = [
        (api, "/api/v1/cities/", "get", reverse("api:city_list"), None),
        (api, "/api/v1/cities/{slug}/", "get", reverse("api:city_detail", args=["riga"]), None),
        (api, "/api/v1/events/", "get", reverse("api:event_list"), None),
        (api, "/api/v1/events/", "get", reverse("api:event_list") + "?lang=all", None),
        (api, "/api/v1/events/{id}/", "get", reverse("api:event_detail", args=[event.pk]), None),
        (organizer_client, "/api/v1/events/{id}/registrations/", "get",
         reverse("api:event_registrations", args=[event.pk]), None),
        (organizer_client, "/api/v1/registrations/{id}/", "get",
         reverse("api:registration_detail", args=[registration.pk]), None),
        (organizer_client, "/api/v1/events/{id}/certificates/", "get",
         reverse("api:event_certificates", args=[event.pk]), None),
        (organizer_client, "/api/v1/sessions/{id}/attendance/", "get",
         reverse("api:session_attendance", args=[event.sessions.first().pk]), None),
        (organizer_client, "/api/v1/aggregates/", "get", reverse("api:aggregates"), None),
        (organizer_client, "/api/v1/events/{id}/registrations/", "post",
         reverse("api:event_registrations", args=[event.pk]), {"email": "new@example.org"}),
        (organizer_client, "/api/v1/registrations/{id}/cancel/", "post",
         reverse("api:registration_cancel", args=[registration.pk]), {"reason": "Ill"}),
        (organizer_client, "/api/v1/registrations/{id}/cancel/", "post",
         reverse("api:registration_cancel", args=[registration.pk]), {}),  # 400: no longer active
    ]
    for client, path, method, url, body in checks:
        response = client.get(url) if method == "get" else client.post(url, body, format="json")
        assert response.status_code < 500, (url, response.content)
        try:
            _validate(schema, path, method, response)
        except jsonschema.ValidationError as exc:
            raise AssertionError((url, method, response.status_code, response.json(), exc.message))
