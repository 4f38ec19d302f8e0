"""A failed submit: the error summary at the top names each error, takes the focus, and each
link moves the focus to its field, which is described by its message."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("UX_SCREENSHOTS")


def test_event_form_error_summary_names_the_fields_and_leads_to_them(page, live_server, login, organizer, city):
    login(organizer)
    page.goto(f"{live_server.url}/manage/cities/{city.slug}/events/new/")
    about = page.get_by_role("group", name="The event")
    about.get_by_label("Kind").select_option("training")
    about.get_by_label("Strategy area").select_option("governance")
    about.get_by_label("Language of delivery").select_option("lv")
    day = (timezone.localtime(timezone.now(), city.tzinfo) + timedelta(days=30)).date()
    first = page.locator("fieldset.session-row").nth(0)
    first.get_by_label("Start").fill(f"{day.isoformat()}T13:00")
    first.get_by_label("End").fill(f"{day.isoformat()}T10:00")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    text = summary.inner_text()
    assert "Title" in text  # left empty
    assert "Session 1" in text and "end after it starts" in text
    # The summary is at the top: visible without scrolling.
    assert summary.bounding_box()["y"] < 844
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "error-summary-390.png"))

    summary.get_by_role("link", name="end after it starts").click()
    focused = page.evaluate("() => document.activeElement.id")
    ends = first.get_by_label("End")
    assert focused == ends.get_attribute("id")
    # The field names its message for a screen reader.
    described = ends.get_attribute("aria-describedby").split()
    messages = " ".join(page.locator(f"#{name}").inner_text() for name in described)
    assert "end after it starts" in messages

    summary.get_by_role("link", name="Title").click()
    assert page.evaluate("() => document.activeElement.name") == "title"


def test_login_error_summary_takes_the_focus(page, live_server, login, organizer):
    login(organizer, password="not the password")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    summary = page.locator("[data-error-summary]")
    assert "There is 1 problem" in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.type") == "email"
