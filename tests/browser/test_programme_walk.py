"""A visitor walks home → city → event page in a real browser."""

import pytest

from tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_walks_from_home_to_city_to_event(page, live_server, city):
    event = EventFactory(city=city, title="Launch of the Riga integration pact", sessions=1)

    page.goto(live_server.url + "/")
    assert page.locator("h1").count() == 1
    page.get_by_role("link", name="Riga", exact=True).first.click()
    page.wait_for_url(f"**{city.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Riga"

    page.get_by_role("link", name=event.title).click()
    page.wait_for_url(f"**{event.get_absolute_url()}")
    assert page.locator("h1").inner_text() == event.title
    assert "Europe/Riga" in page.locator("ol.sessions").inner_text()
