"""Tokens: who may create them, how they are stored, and the role × endpoint matrix."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, Scope
from certificates.models import Certificate
from events.models import CityMembership, Event
from tests.api.conftest import make_token, with_token
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in_with_two_factor(client, user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    session = client.session
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": timezone.now().timestamp(), "email": user.email},
        {"method": "mfa", "at": timezone.now().timestamp(), "type": "totp"},
    ]
    session.save()


def _create(client, **extra):
    data = {"name": "City website", "scopes": ["registrations:read"], "days": 30, **extra}
    return client.post(reverse("api_pages:token_add"), data)


def test_organizer_signed_in_with_two_factor_sees_the_token_once_and_it_is_stored_hashed(client, organizer, city):
    _sign_in_with_two_factor(client, organizer)
    response = _create(client, city="riga")
    assert response.status_code == 200, response.context["token_form"].errors
    token = ApiToken.objects.get()
    raw = response.context["new_secret"]["raw"]
    assert raw.startswith("epi_") and raw in response.content.decode()
    assert raw not in str(ApiToken.objects.values().get())
    assert token.city == city and token.scopes == ["registrations:read"]
    page = client.get(reverse("api_pages:index")).content.decode()
    assert raw not in page and token.prefix in page


def test_without_two_factor_no_token(client, organizer):
    client.force_login(organizer)
    assert "Turn it on" in client.get(reverse("api_pages:index")).content.decode()
    assert _create(client).status_code == 400
    assert not ApiToken.objects.exists()


def test_participants_cannot_have_tokens(client, participant):
    _sign_in_with_two_factor(client, participant)
    assert client.get(reverse("api_pages:index")).status_code == 403
    assert _create(client).status_code == 403


def test_a_token_cannot_be_limited_to_a_city_one_does_not_organize(client, organizer, other_city):
    _sign_in_with_two_factor(client, organizer)
    assert _create(client, city="ravenna").status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_and_last_use(client, organizer, city, event):
    raw = make_token(organizer)
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    assert with_token(raw).get(reverse("api:event_registrations", args=[event.pk])).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    client.force_login(organizer)
    client.post(reverse("api_pages:token_revoke", args=[token.pk]))
    assert with_token(raw).get(reverse("api:event_registrations", args=[event.pk])).status_code == 401


def test_losing_the_organizer_role_disables_the_token(organizer, city, event):
    client = with_token(make_token(organizer))
    url = reverse("api:event_registrations", args=[event.pk])
    assert client.get(url).status_code == 200
    CityMembership.objects.filter(user=organizer).delete()
    assert client.get(url).status_code == 403


# The matrix ----------------------------------------------------------------------------------

@pytest.fixture
def world(city, other_city, organizer):
    event = EventFactory(city=city)
    registration = RegistrationFactory(event=event)
    session = event.sessions.get()
    certificate = Certificate.objects.create(
        number="EPI-RIG-2026-000001", event=event, registration=registration, holder=registration.user,
        language="en", holder_name="A", event_title=event.title, event_kind="x", city_name="Riga",
        first_date=timezone.now().date(), last_date=timezone.now().date(), hours=2, sessions_attended=1,
        sessions_total=1,
    )
    return {"event": event, "registration": registration, "session": session, "certificate": certificate}


# (name, method, url builder, scope it needs, body)
ENDPOINTS = [
    ("events", "get", lambda w: reverse("api:event_list"), "public", None),
    ("event", "get", lambda w: reverse("api:event_detail", args=[w["event"].pk]), "public", None),
    ("cities", "get", lambda w: reverse("api:city_list"), "public", None),
    ("city", "get", lambda w: reverse("api:city_detail", args=[w["event"].city.slug]), "public", None),
    ("schema", "get", lambda w: reverse("api:schema"), "public", None),
    ("docs", "get", lambda w: reverse("api:docs"), "public", None),
    ("registrations list", "get", lambda w: reverse("api:event_registrations", args=[w["event"].pk]), "registrations:read", None),
    ("registrations export", "get", lambda w: reverse("api:event_registrations_export", args=[w["event"].pk]), "registrations:read", None),
    ("registration", "get", lambda w: reverse("api:registration_detail", args=[w["registration"].pk]), "registrations:read", None),
    ("register", "post", lambda w: reverse("api:event_registrations", args=[w["event"].pk]), "registrations:write", {"email": "new@example.org"}),
    ("cancel", "post", lambda w: reverse("api:registration_cancel", args=[w["registration"].pk]), "registrations:write", {}),
    ("attendance list", "get", lambda w: reverse("api:session_attendance", args=[w["session"].pk]), "attendance:read", None),
    ("attendance", "post", lambda w: reverse("api:session_attendance", args=[w["session"].pk]), "attendance:write", {"registration": 0, "present": True}),
    ("certificates", "get", lambda w: reverse("api:event_certificates", args=[w["event"].pk]), "certificates:read", None),
    ("revoke", "post", lambda w: reverse("api:certificate_revoke", args=[w["certificate"].pk]), "certificates:write", {"reason": "Wrong name"}),
    ("aggregates", "get", lambda w: reverse("api:aggregates"), "evaluation:read", None),
    ("publish", "post", lambda w: reverse("api:event_publish", args=[w["event"].pk]), "events:write", {}),
    ("cancel event", "post", lambda w: reverse("api:event_cancel", args=[w["event"].pk]), "events:write", {}),
]

# Who calls → expected status. "ok" is any 2xx; aggregates answer 200 with nothing for a foreign token.
ROLES = {
    "no token": 401,
    "expired token": 401,
    "revoked token": 401,
    "other city's organizer": 403,
    "token limited to another city": 403,
    "read-only token": "read-ok",
    "participant's token": 403,
    "organizer": "ok",
    "platform admin": "ok",
}


def _client_for(role, world, organizer, other_organizer, other_city):
    if role == "no token":
        from rest_framework.test import APIClient

        return APIClient()
    if role == "expired token":
        return with_token(make_token(organizer, expires_in=timedelta(seconds=-1)))
    if role == "revoked token":
        return with_token(make_token(organizer, revoked=True))
    if role == "other city's organizer":
        return with_token(make_token(other_organizer))
    if role == "token limited to another city":
        CityMembership.objects.create(user=organizer, city=other_city)
        return with_token(make_token(organizer, city=other_city))
    if role == "read-only token":
        return with_token(make_token(organizer, scopes=[s for s in Scope.values if s.endswith(":read")]))
    if role == "participant's token":
        return with_token(make_token(world["registration"].user))
    if role == "organizer":
        return with_token(make_token(organizer))
    return with_token(make_token(UserFactory(is_staff=True)))


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("name", "method", "url", "scope", "body"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_role_endpoint_matrix(world, organizer, other_organizer, other_city, role, name, method, url, scope, body):
    if name == "attendance":
        body = {"registration": world["registration"].pk, "present": True}
    if name == "publish":
        Event.objects.filter(pk=world["event"].pk).update(status=Event.Status.DRAFT)
    client = _client_for(role, world, organizer, other_organizer, other_city)
    response = getattr(client, method)(url(world), body, format="json") if body is not None else client.get(url(world))
    expected = ROLES[role]
    if scope == "public":
        # Open to all; a token that is sent must still be valid.
        expected = 401 if role in ("expired token", "revoked token") else "ok"
    if expected == "read-ok":
        expected = "ok" if scope.endswith(":read") else 403
    if name == "aggregates" and expected == 403 and role in ("other city's organizer", "token limited to another city"):
        # Their own cities' aggregates: nothing of this city; asking for it is refused.
        assert response.status_code == 200
        assert [row["city"] for row in response.json()["cities"]] == ["ravenna"]
        assert client.get(url(world), {"city": "riga"}).status_code == 403
        return
    if name == "publish" and role in ("other city's organizer", "token limited to another city"):
        expected = 404  # a draft's existence is private
    if name in ("registration", "cancel", "revoke") and role in ("other city's organizer", "token limited to another city"):
        expected = 404  # someone's registration or certificate is private
    if expected == "ok":
        assert 200 <= response.status_code < 300, response.content
    else:
        assert response.status_code == expected, response.content
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
        assert response.json()["detail"]


def test_refusals_are_translated(city, event):
    from rest_framework.test import APIClient

    url = reverse("api:event_registrations", args=[event.pk])
    english = APIClient().get(url).json()["detail"]
    assert APIClient().get(url, HTTP_ACCEPT_LANGUAGE="de").json()["detail"] != english
    assert APIClient().get(url, {"lang": "de"}).json()["detail"] != english


LANGUAGES = ["es", "ro", "de", "sv", "pl", "it", "lv", "ar", "uk"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_of_refusal_speaks_the_requests_language(city, event, organizer, settings, language):
    from rest_framework.test import APIClient

    registrations = reverse("api:event_registrations", args=[event.pk])
    read_only = with_token(make_token(organizer, scopes=["registrations:read"]))
    writer = with_token(make_token(organizer))
    writer.post(registrations, {"email": "a@example.org"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    calls = {
        "no token": lambda h: APIClient().get(registrations, **h),
        "bad header": lambda h: APIClient().get(registrations, HTTP_AUTHORIZATION="Token x", **h),
        "unknown token": lambda h: with_token("epi_nothing").get(registrations, **h),
        "revoked": lambda h: with_token(make_token(organizer, revoked=True)).get(registrations, **h),
        "expired": lambda h: with_token(make_token(organizer, expires_in=timedelta(seconds=-1))).get(registrations, **h),
        "scope": lambda h: read_only.post(registrations, {"email": "b@example.org"}, format="json", **h),
        "not found": lambda h: APIClient().get(reverse("api:event_detail", args=[999999]), **h),
        "field": lambda h: writer.post(registrations, {"email": "nope"}, format="json", **h),
        "filter": lambda h: APIClient().get(reverse("api:event_list"), {"kind": "party"}, **h),
        "service": lambda h: writer.post(registrations, {"email": "a@example.org"}, format="json", **h),
        "key reused": lambda h: writer.post(
            registrations, {"email": "c@example.org"}, format="json", HTTP_IDEMPOTENCY_KEY="k", **h),
        "city": lambda h: writer.get(reverse("api:aggregates"), {"city": "nowhere"}, **h),
    }
    for name, call in calls.items():
        english, translated = call({"HTTP_ACCEPT_LANGUAGE": "en"}), call({"HTTP_ACCEPT_LANGUAGE": language})
        assert english.status_code == translated.status_code >= 400, name
        assert english.json() != translated.json(), (name, english.json())
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "1/min", "token": "1/min"}}
    APIClient().get(reverse("api:city_list"))
    english = APIClient().get(reverse("api:city_list"), HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert APIClient().get(reverse("api:city_list"), HTTP_ACCEPT_LANGUAGE=language).json()["detail"] != english
