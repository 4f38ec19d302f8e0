"""A visitor switches to Arabic on the programme, opens an event and registers: the layout mirrors."""

import os
from pathlib import Path

import pytest

from events.models import Registration
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/epi-screenshots"))


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def _text_box(page, selector):
    """Where the text of an element is drawn (not its box, which spans the line either way)."""
    return page.locator(selector).first.evaluate(
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   const b = r.getBoundingClientRect(); return {x: b.x, right: b.right}; }"""
    )


def _switch_to(page, code):
    page.locator("#language-select").select_option(code)
    page.locator(".language-switcher button[type=submit]").click()
    page.wait_for_load_state()


def test_arabic_mirrors_the_programme_and_the_event_page_and_registration_works(browser, live_server, login, page, city):
    event = EventFactory(city=city, title="Intercultural café", capacity=20, sessions=2)
    participant = UserFactory(full_name="ليلى حداد", preferred_language="en")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]

    # Signed in, on the programme, in English: the page reads left to right.
    login(participant)
    page.goto(live_server.url + "/events/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert _text_box(page, "main h1")["x"] < width / 4

    # The switcher: Arabic, named in Arabic.
    assert page.locator("#language-select option[value=ar]").inner_text() == "العربيّة"  # Django's name_local, with its shadda
    _switch_to(page, "ar")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The heading starts at the right edge; the brand (first in the header) is on the right too.
    heading = _text_box(page, "main h1")
    assert heading["right"] > width - 40 and heading["x"] > width / 4
    assert _box(page, ".brand")["x"] > width / 2
    page.screenshot(path=str(SCREENSHOTS / "ar-programme-390.png"), full_page=True)

    # The event page: the title and the registration box on the right.
    page.goto(live_server.url + event.get_absolute_url())
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert _text_box(page, "main h1")["right"] > width - 40
    page.screenshot(path=str(SCREENSHOTS / "ar-event-390.png"), full_page=True)

    # Register (the form is in Arabic direction too) and come back to the event.
    page.locator(".registration-box a.button").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("input[type=checkbox][required]").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert Registration.objects.get(event=event, user=participant).status == Registration.Status.CONFIRMED
    participant.refresh_from_db()
    assert participant.preferred_language == "ar"  # the choice sticks to the person

    # On a wide screen the event page's two columns swap: the main column starts at the right edge.
    wide = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    wide.add_cookies(page.context.cookies())
    wide_page = wide.new_page()
    wide_page.goto(live_server.url + event.get_absolute_url())
    layout = _box(wide_page, ".event-layout")
    main_column = _box(wide_page, ".event-layout > :first-child")
    aside = _box(wide_page, ".event-layout > :last-child")
    assert abs((main_column["x"] + main_column["width"]) - (layout["x"] + layout["width"])) < 2
    assert aside["x"] < main_column["x"]
    wide_page.screenshot(path=str(SCREENSHOTS / "ar-event-1280.png"), full_page=True)
    wide.close()
