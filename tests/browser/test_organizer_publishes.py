"""An organizer creates an event with two sessions in the site and publishes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organizer_creates_and_publishes_an_event(page, live_server, login, organizer, city):
    login(organizer)
    page.goto(f"{live_server.url}/manage/cities/{city.slug}/events/new/")
    assert "Europe/Riga" in page.locator("main").inner_text()

    about = page.get_by_role("group", name="The event")
    about.get_by_label("Kind").select_option("training")
    about.get_by_label("Strategy area").select_option("governance")
    about.get_by_label("Title").fill("Intercultural competence for city staff")
    about.get_by_label("Language of delivery").select_option("lv")
    page.get_by_label("Capacity").fill("12")

    day = (timezone.localtime(timezone.now(), city.tzinfo) + timedelta(days=30)).date()
    sessions = page.locator("fieldset.session-row")
    sessions.nth(0).get_by_label("Start").fill(f"{day.isoformat()}T10:00")
    sessions.nth(0).get_by_label("End").fill(f"{day.isoformat()}T13:00")
    later = day + timedelta(days=7)
    sessions.nth(1).get_by_label("Start").fill(f"{later.isoformat()}T10:00")
    sessions.nth(1).get_by_label("End").fill(f"{later.isoformat()}T13:00")

    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_load_state()

    event = Event.objects.get(title="Intercultural competence for city staff")
    assert event.status == Event.Status.PUBLISHED
    assert event.sessions.count() == 2
    # Typed on Riga's clock, stored in UTC.
    assert timezone.localtime(event.starts_at, city.tzinfo).hour == 10

    page.goto(live_server.url + event.get_absolute_url())
    assert page.locator("h1").inner_text() == event.title
    sessions_text = page.locator("ol.sessions").inner_text()
    assert "10:00" in sessions_text and "Europe/Riga" in sessions_text

    page.goto(live_server.url + "/events/")
    assert page.get_by_role("link", name=event.title).count() == 1
