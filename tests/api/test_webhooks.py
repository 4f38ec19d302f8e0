"""Webhooks: outbox in the change's transaction, Standard Webhooks signatures, retries, disabling, SSRF."""

import json
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from api import transport
from api.models import Webhook, WebhookDelivery
from api.services import webhooks
from events.models import Registration
from events.services.registrations import registration_cancel, registration_create
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = ["93.184.216.34"]


@pytest.fixture
def hook(organizer, city):
    return Webhook.objects.create(
        owner=organizer, city=city, url="https://crm.example.org/hook",
        event_types=["registration.created", "registration.cancelled", "registration.promoted", "event.changed"],
    )


class Receiver:
    """Stands in for the network: records what was posted and answers a chosen status."""

    def __init__(self, status=200):
        self.status = status
        self.calls = []

    def __call__(self, url, *, body, headers, timeout=None):
        self.calls.append({"url": url, "body": body, "headers": headers})
        if isinstance(self.status, Exception):
            raise self.status
        return self.status


@pytest.fixture
def receiver(monkeypatch):
    fake = Receiver()
    monkeypatch.setattr(transport, "post", fake)
    return fake


def _register(event, user=None):
    return registration_create(event=event, user=user or UserFactory(), consent_version="v1")


def test_a_registration_queues_and_sends_a_signed_thin_delivery(hook, receiver, city, django_capture_on_commit_callbacks):
    event = EventFactory(city=city)
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(event, UserFactory(email="private.person@example.org", full_name="Private Person"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    (call,) = receiver.calls
    payload = Verifier(hook.secret).verify(call["body"], call["headers"])
    assert payload["type"] == "registration.created"
    assert payload["data"] == {"event": event.pk, "registration": registration.pk}
    # No personal data: ids, type and time only.
    assert set(payload) == {"type", "timestamp", "data"}
    assert b"private" not in call["body"].lower() and b"@" not in call["body"]


def test_tampered_and_replayed_deliveries_are_rejected(hook, receiver, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register(EventFactory(city=city))
    (call,) = receiver.calls
    verifier = Verifier(hook.secret)
    tampered = call["body"].replace(b'"registration"', b'"registratioN"')
    with pytest.raises(WebhookVerificationError):
        verifier.verify(tampered, call["headers"])
    with pytest.raises(WebhookVerificationError):
        Verifier(webhooks.Webhook._meta.get_field("secret").default()).verify(call["body"], call["headers"])
    # A replay later than the tolerance window is refused by its timestamp.
    with mock.patch("standardwebhooks.webhooks.datetime") as clock:
        from datetime import datetime as real_datetime

        clock.now.return_value = real_datetime.now(tz=UTC) + timedelta(minutes=10)
        clock.fromtimestamp = real_datetime.fromtimestamp
        with pytest.raises(WebhookVerificationError):
            verifier.verify(call["body"], call["headers"])


def test_the_outbox_row_lives_and_dies_with_the_change(hook, receiver, city):
    event = EventFactory(city=city)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            _register(event)
            assert WebhookDelivery.objects.count() == 1
            raise RuntimeError("crash before commit")
    assert not WebhookDelivery.objects.exists()
    assert not Registration.objects.exists()


def test_cancel_and_promotion_emit(hook, receiver, city, organizer, django_capture_on_commit_callbacks):
    event = EventFactory(city=city, capacity=1)
    seated = RegistrationFactory(event=event)
    RegistrationFactory(event=event, status=Registration.Status.WAITING, waiting_rank=1)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=seated, actor=organizer)
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "registration.cancelled", "registration.promoted",
    ]


def test_other_cities_and_unsubscribed_types_get_nothing(hook, receiver, other_city, city):
    _register(EventFactory(city=other_city))
    assert not WebhookDelivery.objects.exists()
    hook.event_types = ["event.cancelled"]
    hook.save()
    _register(EventFactory(city=city))
    assert not WebhookDelivery.objects.exists()


def test_a_hook_stops_when_its_owner_is_no_longer_an_organizer(hook, city, organizer):
    from events.models import CityMembership

    CityMembership.objects.filter(user=organizer).delete()
    _register(EventFactory(city=city))
    assert not WebhookDelivery.objects.exists()


def test_a_worker_killed_mid_delivery_leaves_it_for_the_next(hook, city, monkeypatch):
    _register(EventFactory(city=city))
    delivery = WebhookDelivery.objects.get()

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(transport, "post", killed)
    with pytest.raises(SystemExit):
        webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.claimed_until is not None
    # While the claim holds, nobody else sends it; once it lapses, the periodic run does.
    good = Receiver()
    monkeypatch.setattr(transport, "post", good)
    assert webhooks.webhook_deliver_due() == 0
    later = timezone.now() + timedelta(seconds=webhooks.CLAIM_SECONDS + 1)
    assert webhooks.webhook_deliver_due(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and len(good.calls) == 1
    assert good.calls[0]["headers"]["webhook-id"] == delivery.message_id


def test_failures_retry_with_back_off_for_72_hours(hook, city, receiver):
    receiver.status = 503
    _register(EventFactory(city=city))
    delivery = WebhookDelivery.objects.get()
    now = delivery.created_at
    waits = []
    while delivery.status == WebhookDelivery.Status.PENDING:
        webhooks.webhook_deliver(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
        hook.refresh_from_db()
        if hook.disabled_at:
            break
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15)]
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert now - delivery.created_at <= timedelta(hours=72)


def test_410_disables_the_hook_and_emails_its_owner(hook, city, receiver, organizer, django_capture_on_commit_callbacks):
    receiver.status = 410
    _register(EventFactory(city=city))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_deliver_due()
    hook.refresh_from_db()
    assert hook.disabled_at is not None
    assert any(organizer.email in m.to and "410" in m.body for m in mail.outbox)
    _register(EventFactory(city=city))
    assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count() == 0


def test_twenty_failures_in_a_row_disable_the_hook(
    hook, city, receiver, organizer, django_capture_on_commit_callbacks
):
    receiver.status = OSError("connection refused")
    Webhook.objects.filter(pk=hook.pk).update(consecutive_failures=19)
    _register(EventFactory(city=city))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_deliver_due()
    hook.refresh_from_db()
    assert hook.disabled_at is not None and hook.consecutive_failures == 20
    assert hook.disabled_reason == Webhook.DisabledReason.FAILURES  # a code, put into words when shown
    assert any(organizer.email in m.to for m in mail.outbox)


def test_the_disabled_email_speaks_its_owners_language(hook, city, receiver, organizer, django_capture_on_commit_callbacks):
    from django.utils import translation

    organizer.preferred_language = "sv"
    organizer.save(update_fields=["preferred_language"])
    receiver.status = 410
    _register(EventFactory(city=city))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_deliver_due()  # a worker speaking English
    hook.refresh_from_db()
    assert hook.disabled_reason == Webhook.DisabledReason.GONE
    message = next(m for m in mail.outbox if organizer.email in m.to)
    with translation.override("sv"):
        expected = translation.gettext("The receiver answered “410 Gone”, which means it no longer wants them.")
        subject = translation.gettext("Your webhook was disabled")
    assert expected in message.body and "no longer wants them" not in message.body
    assert message.subject.endswith(subject) or subject in message.subject


def test_delivery_log_and_resend(client, hook, city, receiver, organizer):
    receiver.status = 500
    _register(EventFactory(city=city))
    webhooks.webhook_deliver_due()
    delivery = WebhookDelivery.objects.get()
    client.force_login(organizer)
    page = client.get(reverse("api_pages:webhook_detail", args=[hook.pk])).content.decode()
    assert "registration.created" in page and "500" in page
    receiver.status = 200
    client.post(reverse("api_pages:delivery_resend", args=[hook.pk, delivery.pk]))
    webhooks.webhook_deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert len({c["headers"]["webhook-id"] for c in receiver.calls}) == 1


def test_log_is_kept_30_days(hook, city):
    WebhookDelivery.objects.create(webhook=hook, event_type="event.changed", payload={}, status="delivered",
                                   created_at=timezone.now() - timedelta(days=31))
    WebhookDelivery.objects.create(webhook=hook, event_type="event.changed", payload={}, status="delivered")
    webhooks.webhooks_purge()
    assert WebhookDelivery.objects.count() == 1


# Server-side request forgery ------------------------------------------------------------------

@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.1.10", "172.16.0.5", "169.254.169.254", "::1", "fe80::1", "fd00:ec2::254",
     "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"],
)
def test_private_loopback_link_local_and_metadata_targets_are_refused(monkeypatch, address):
    monkeypatch.setattr(transport, "resolve", lambda host, port: [address])
    with pytest.raises(transport.UnsafeTarget):
        transport.check_target("https://crm.example.org/hook")


def test_one_private_answer_among_public_ones_is_refused(monkeypatch):
    monkeypatch.setattr(transport, "resolve", lambda host, port: [*PUBLIC, "10.0.0.1"])
    with pytest.raises(transport.UnsafeTarget):
        transport.check_target("https://crm.example.org/hook")


def test_https_only_in_production(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    monkeypatch.setattr(transport, "resolve", lambda host, port: PUBLIC)
    with pytest.raises(transport.UnsafeTarget):
        transport.check_target("http://crm.example.org/hook")
    assert transport.check_target("https://crm.example.org/hook").address == PUBLIC[0]


def test_the_worker_connects_to_the_address_it_checked(monkeypatch):
    answers = iter([PUBLIC, ["127.0.0.1"]])  # a second lookup would say loopback (DNS rebinding)
    monkeypatch.setattr(transport, "resolve", lambda host, port: next(answers))
    connected = []

    class Stop(Exception):
        pass

    def create_connection(address, timeout):
        connected.append((address, timeout))
        raise Stop

    monkeypatch.setattr(transport.socket, "create_connection", create_connection)
    with pytest.raises(Stop):
        transport.post("https://crm.example.org/hook", body=b"{}", headers={}, timeout=3)
    assert connected == [((PUBLIC[0], 443), 3)]


def test_subscribing_checks_the_address(client, organizer, city, monkeypatch):
    monkeypatch.setattr(transport, "resolve", lambda host, port: ["10.0.0.8"])
    client.force_login(organizer)
    response = client.post(
        reverse("api_pages:webhook_add"),
        {"city": "riga", "url": "https://intranet.example.org/hook", "event_types": ["event.changed"]},
    )
    assert response.status_code == 400
    assert not Webhook.objects.exists()
    monkeypatch.setattr(transport, "resolve", lambda host, port: PUBLIC)
    response = client.post(
        reverse("api_pages:webhook_add"),
        {"city": "riga", "url": "https://crm.example.org/hook", "event_types": ["event.changed"]},
    )
    assert response.status_code == 302
    assert Webhook.objects.get().owner == organizer


def test_payload_schema_has_no_personal_fields():
    from api.serializers import WebhookPayloadSerializer

    assert set(WebhookPayloadSerializer().fields) == {"type", "timestamp", "data"}
    assert json.dumps(WebhookPayloadSerializer().data)


def test_event_and_certificate_changes_emit(organizer, city):
    from datetime import timedelta as td

    from certificates.models import Certificate
    from certificates.services.certificates import certificate_revoke
    from events.services.events import event_cancel, event_publish, event_update, session_create

    Webhook.objects.create(
        owner=organizer, city=city, url="https://crm.example.org/hook",
        event_types=["event.published", "event.changed", "event.cancelled", "certificate.revoked"],
    )
    event = EventFactory(city=city, status="draft")
    event_publish(event=event)
    with transaction.atomic():
        event_update(event=event, title="New title", venue_address="Elsewhere 2")
        start = timezone.now() + td(days=30)
        session_create(event=event, starts_at=start, ends_at=start + td(hours=1))
    registration = RegistrationFactory(event=event)
    certificate = Certificate.objects.create(
        number="EPI-RIG-2026-000009", event=event, registration=registration, holder=registration.user,
        language="en", holder_name="A", event_title=event.title, event_kind="x", city_name="Riga",
        first_date=timezone.now().date(), last_date=timezone.now().date(), hours=2, sessions_attended=1,
        sessions_total=1,
    )
    certificate_revoke(certificate=certificate, actor=organizer, reason="Typo")
    event_cancel(event=event, actor=organizer)
    assert list(WebhookDelivery.objects.order_by("id").values_list("event_type", flat=True)) == [
        "event.published", "event.changed", "certificate.revoked", "event.cancelled",
    ]
    assert WebhookDelivery.objects.get(event_type="certificate.revoked").payload["data"] == {
        "event": event.pk, "certificate": certificate.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_a_crash_between_registration_and_outbox_leaves_neither(organizer, city, monkeypatch):
    """On PostgreSQL this is the one-trip path, which then runs inside a transaction of its own."""
    from events.services import registrations

    Webhook.objects.create(owner=organizer, city=city, url="https://crm.example.org/hook",
                           event_types=["registration.created"])
    event = EventFactory(city=city)

    def crash(**kwargs):
        raise RuntimeError("process killed")

    monkeypatch.setattr(registrations, "webhook_emit", crash)
    with pytest.raises(RuntimeError):
        registration_create(event=event, user=UserFactory(), consent_version="v1")
    assert not Registration.objects.exists()
