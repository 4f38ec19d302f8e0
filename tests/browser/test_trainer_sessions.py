"""A trainer finds their sessions from the menu, and /manage/ leads them there too."""

import pytest

from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_trainer_reaches_the_sheet_from_the_menu(page, live_server, login, city):
    trainer = UserFactory(full_name="Amira Haddad")
    event = EventFactory(city=city, title="Welcome desk training")
    event.trainers.add(trainer)
    EventFactory(city=city, title="Somebody else's training")
    login(trainer)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions").click()
    page.wait_for_load_state()
    main = page.locator("main")
    assert "Welcome desk training" in main.inner_text()
    assert "Somebody else's training" not in main.inner_text()
    main.get_by_role("link", name="Attendance sheet").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Attendance sheet"

    page.goto(f"{live_server.url}/manage/")
    assert page.locator("h1").inner_text() == "My sessions"
