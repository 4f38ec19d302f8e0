"""An organizer approves registrations with buttons: one, a ticked few, or all pending at once."""

import pytest
from django.urls import reverse

from events.models import Registration
from events.services.registrations import registration_create
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_approves_one_then_the_ticked_then_all(page, live_server, login, organizer, city):
    event = EventFactory(city=city, title="Training for front-desk staff", capacity=3, requires_approval=True)
    names = ["Ana Pop", "Jonas Berg", "Mira Kovač", "Lena Vogel", "Omar Said"]
    people = {name: registration_create(event=event, user=UserFactory(full_name=name), consent_version="v") for name in names}
    login(organizer)
    page.goto(live_server.url + reverse("registration_admin:registrations", kwargs={"pk": event.pk}))

    # One click approves one person.
    page.get_by_role("button", name="Approve Ana Pop", exact=True).click()
    page.wait_for_load_state()
    assert "Ana Pop is confirmed." in page.locator("main").inner_text()

    # Tick two, approve them together.
    page.get_by_label("Select Jonas Berg").check()
    page.get_by_label("Select Mira Kovač").check()
    page.get_by_role("button", name="Approve selected").click()
    page.wait_for_load_state()
    assert "2 approved." in page.locator("main").inner_text()

    # The rest, all at once: the event is full, so they wait.
    page.get_by_role("button", name="Approve all 2 pending registrations").click()
    page.wait_for_load_state()
    assert "2 put on the waiting list." in page.locator("main").inner_text()
    statuses = {name: Registration.objects.get(pk=r.pk).status for name, r in people.items()}
    assert list(statuses.values()).count(Registration.Status.CONFIRMED) == 3
    assert statuses["Lena Vogel"] == statuses["Omar Said"] == Registration.Status.WAITING
