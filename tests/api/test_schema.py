"""The OpenAPI 3.1 schema is valid, served, and says what the endpoints really answer."""

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from certificates.models import Certificate
from events.models import Event
from tests.api.conftest import make_token, with_token
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
    draft = EventFactory(city=city, sessions=1, status=Event.Status.DRAFT)
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
        (organizer_client, "/api/v1/sessions/{id}/attendance/", "post",
         reverse("api:session_attendance", args=[event.sessions.first().pk]),
         {"registration": registration.pk, "present": True}),
        (organizer_client, "/api/v1/certificates/{id}/revoke/", "post",
         reverse("api:certificate_revoke", args=[Certificate.objects.get().pk]), {"reason": "Wrong name"}),
        (organizer_client, "/api/v1/events/{id}/publish/", "post", reverse("api:event_publish", args=[draft.pk]), {}),
        (organizer_client, "/api/v1/events/{id}/cancel/", "post", reverse("api:event_cancel", args=[event.pk]), {}),
    ]
    _check(schema, checks)
    exercised = {(path, method) for _c, path, method, _u, _b in checks}
    binary = {("/api/v1/events/{id}/registrations/export/", "get")}
    every = {(path, method) for path, ops in schema["paths"].items() for method in ops if path.startswith("/api/v1/")}
    untested = every - exercised - binary - {("/api/v1/schema/", "get"), ("/api/v1/docs/", "get")}
    assert not untested, f"add a check for {sorted(untested)}"


def _check(schema, checks):
    for client, path, method, url, body in checks:
        response = client.get(url) if method == "get" else client.post(url, body, format="json")
        assert response.status_code < 500, (url, response.content)
        try:
            _validate(schema, path, method, response)
        except jsonschema.ValidationError as exc:
            raise AssertionError((url, method, response.status_code, response.json(), exc.message))
        except KeyError:
            raise AssertionError(f"{method} {path} answered {response.status_code}, which the schema does not declare")


def test_refusals_match_the_schema(schema, api, city, organizer, settings):
    event = EventFactory(city=city, sessions=1)
    registration = RegistrationFactory(event=event)
    read_only = with_token(make_token(organizer, scopes=["registrations:read"]))
    writer = with_token(make_token(organizer))
    registrations = reverse("api:event_registrations", args=[event.pk])
    _check(schema, [
        (api, "/api/v1/events/{id}/registrations/", "get", registrations, None),  # 401
        (with_token(make_token(organizer, revoked=True)), "/api/v1/events/", "get", reverse("api:event_list"), None),
        (read_only, "/api/v1/events/{id}/registrations/", "post", registrations, {"email": "a@example.org"}),  # 403
        (read_only, "/api/v1/aggregates/", "get", reverse("api:aggregates"), None),  # 403
        (api, "/api/v1/events/{id}/", "get", reverse("api:event_detail", args=[999999]), None),  # 404
        (writer, "/api/v1/registrations/{id}/", "get", reverse("api:registration_detail", args=[999999]), None),
        (api, "/api/v1/events/", "get", reverse("api:event_list") + "?kind=party", None),  # 400, per field
        (writer, "/api/v1/aggregates/", "get", reverse("api:aggregates") + "?start=2026-05-02&end=2026-05-01", None),
        (writer, "/api/v1/events/{id}/registrations/", "post", registrations, {"email": "not an address"}),
        (writer, "/api/v1/registrations/{id}/cancel/", "post",
         reverse("api:registration_cancel", args=[registration.pk]), {"reason": "x" * 2000}),
    ])
    key = {"HTTP_IDEMPOTENCY_KEY": "k1"}
    assert writer.post(registrations, {"email": "b@example.org"}, format="json", **key).status_code == 201
    reused = writer.post(registrations, {"email": "c@example.org"}, format="json", **key)
    assert reused.status_code == 422
    _validate(schema, "/api/v1/events/{id}/registrations/", "post", reused)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "1/min", "token": "1/min"}}
    api.get(reverse("api:city_list"))
    limited = api.get(reverse("api:city_list"))
    assert limited.status_code == 429
    _validate(schema, "/api/v1/cities/", "get", limited)
    assert "304" in schema["paths"]["/api/v1/events/"]["get"]["responses"]
