"""The attendance sheet's script takes its texts from the JavaScript catalogue of the page's language."""

import pytest

from events.models import Attendance
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticking_a_box_rebuilds_the_count_sentence_from_the_catalogue(page, live_server, login, city):
    event = EventFactory(city=city, title="Intercultural café")
    session = event.sessions.get()
    trainer = UserFactory(preferred_language="en")
    event.trainers.add(trainer)
    registrations = [RegistrationFactory(event=event, status="confirmed") for _ in range(2)]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(trainer)
    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/")
    page.wait_for_function("window.django && window.django.jsi18n_initialized")
    page.locator(f"input[name=present][value='{registrations[0].pk}']").check()
    counts = page.locator("[data-att-counts]")
    counts.filter(has_text="1 present of 2").wait_for()
    # The figures keep their own elements (the big number), rebuilt by the script.
    assert counts.locator("strong").inner_text() == "1"
    assert counts.locator(".total").inner_text() == "2"
    assert Attendance.objects.filter(session=session, present=True).count() == 1
    assert errors == []
