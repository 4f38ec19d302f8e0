"""The organizer's token and webhook pages, role by role."""

import pytest
from django.urls import reverse

from api.models import ApiToken, Webhook, WebhookDelivery
from tests.api.conftest import make_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(organizer, city):
    return Webhook.objects.create(owner=organizer, city=city, url="https://crm.example.org/h", event_types=["event.changed"])


def _pages(hook, token, delivery):
    return [
        ("get", reverse("api_pages:index")),
        ("get", reverse("api_pages:webhook_detail", args=[hook.pk])),
        ("post", reverse("api_pages:webhook_toggle", args=[hook.pk])),
        ("post", reverse("api_pages:delivery_resend", args=[hook.pk, delivery.pk])),
        ("post", reverse("api_pages:token_revoke", args=[token.pk])),
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 302), ("participant", 403), ("other city's organizer", 403), ("owner", (200, 302))],
)
def test_role_page_matrix(client, hook, organizer, other_organizer, role, expected):
    make_token(organizer)
    token = ApiToken.objects.get()
    delivery = WebhookDelivery.objects.create(webhook=hook, event_type="event.changed", payload={}, status="failed")
    users = {"participant": UserFactory(), "other city's organizer": other_organizer, "owner": organizer}
    if role != "visitor":
        client.force_login(users[role])
    for method, url in _pages(hook, token, delivery):
        response = getattr(client, method)(url)
        if role == "visitor":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif role == "other city's organizer" and url == reverse("api_pages:index"):
            assert response.status_code == 200  # their own page, without the others' tokens
            assert token.prefix not in response.content.decode()
        else:
            allowed = expected if isinstance(expected, tuple) else (expected,)
            assert response.status_code in allowed, (url, response.status_code)


@pytest.mark.parametrize(
    ("role", "expected"), [("visitor", 302), ("participant", 403), ("other city's organizer", 400), ("owner", 400)]
)
@pytest.mark.parametrize("name", ["api_pages:token_add", "api_pages:webhook_add"])
def test_adding_a_token_or_a_webhook_is_for_organizers_only(client, organizer, other_organizer, role, expected, name):
    users = {"participant": UserFactory(), "other city's organizer": other_organizer, "owner": organizer}
    if role != "visitor":
        client.force_login(users[role])
    # An empty form: organizers get it back with its errors (400), nobody else gets that far.
    response = client.post(reverse(name), {})
    assert response.status_code == expected
    assert not ApiToken.objects.exists() and not Webhook.objects.exists()


def _in(language, text) -> str:
    """``text`` (lazy, or a function of no argument) in ``language``."""
    from django.utils import translation

    with translation.override(language):
        return str(text() if callable(text) else text)


def test_token_and_webhook_pages_name_scopes_and_changes_in_the_readers_language(client, organizer, hook):
    from api.models import Scope, WebhookEventType

    make_token(organizer, scopes=["events:read", "registrations:write"])
    organizer.preferred_language = "de"
    organizer.save(update_fields=["preferred_language"])
    client.force_login(organizer)
    page = client.get(reverse("api_pages:index")).content.decode()
    for label in (Scope.EVENTS_READ.label, Scope.REGISTRATIONS_WRITE.label):
        assert _in("de", label) != _in("en", label)
        assert _in("de", label) in page and _in("en", label) not in page
    assert "registrations:write" not in page
    detail = client.get(reverse("api_pages:webhook_detail", args=[hook.pk])).content.decode()
    changed = WebhookEventType.EVENT_CHANGED.label
    assert _in("de", changed) != _in("en", changed) and _in("de", changed) in detail


@pytest.mark.parametrize(
    ("reason", "failures", "english"),
    [("gone", 0, "The receiver answered 410 Gone."), ("failures", 20, "20 deliveries in a row failed."),
     ("paused", 0, "Paused by its owner.")],
)
def test_why_a_webhook_is_disabled_is_stored_as_a_code_and_shown_in_the_readers_language(
    client, organizer, hook, reason, failures, english
):
    from django.utils import timezone

    Webhook.objects.filter(pk=hook.pk).update(
        disabled_at=timezone.now(), disabled_reason=reason, consecutive_failures=failures
    )
    client.force_login(organizer)
    assert english in client.get(reverse("api_pages:webhook_detail", args=[hook.pk])).content.decode()
    hook.refresh_from_db()
    german = _in("de", hook.disabled_reason_text)
    assert german != english and (not failures or "20" in german)
    organizer.preferred_language = "de"
    organizer.save(update_fields=["preferred_language"])
    page = client.get(reverse("api_pages:webhook_detail", args=[hook.pk])).content.decode()
    assert german in page and english not in page
