"""A participant joins a full event's waiting list; another cancels; the first is promoted and emailed."""

import pytest
from django.core import mail

from events.models import Registration
from events.services.registrations import registration_create
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_waiting_list_promotion_in_the_browser(page, live_server, login, city):
    event = EventFactory(city=city, title="Round table: newcomers and the city", capacity=1)
    holder = UserFactory(full_name="Seat Holder")
    waiting = UserFactory(full_name="Ilze Bērziņa", preferred_language="en")
    registration_create(event=event, user=holder, consent_version="test")

    # The event is full: the second person joins the waiting list.
    login(waiting)
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_role("link", name="Join the waiting list").click()
    page.get_by_label("I have read").check()
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_load_state()
    page.goto(live_server.url + event.get_absolute_url())
    assert "waiting list, in position 1" in page.locator(".registration-box").inner_text()
    _logout(page)

    # The seat holder cancels, with the confirmation step.
    login(holder)
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_role("link", name="Cancel my registration").click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    page.wait_for_load_state()
    _logout(page)

    # The first person waiting was promoted at once, and told by email.
    assert Registration.objects.get(event=event, user=waiting).status == Registration.Status.CONFIRMED
    login(waiting)
    page.goto(live_server.url + event.get_absolute_url())
    assert "You are registered." in page.locator(".registration-box").inner_text()
    sent = OutgoingEmail.objects.filter(user=waiting, status=OutgoingEmail.Status.SENT).values_list("template", flat=True)
    assert list(sent.order_by("id")) == ["registration_waiting", "registration_promoted"]
    assert any(m.to == [waiting.email] and event.title in m.subject for m in mail.outbox)
