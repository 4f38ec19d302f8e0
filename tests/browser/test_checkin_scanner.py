"""The check-in scanner may use the camera under the site's Permissions-Policy; no other page may."""

import pytest

from tests.browser.conftest import CHROMIUM
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def camera_browser(browser):
    # A second Chromium from the same Playwright (one Playwright per process): with a
    # synthetic camera, granted without a prompt.
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    )
    yield camera
    camera.close()


@pytest.fixture
def camera_page(camera_browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = camera_browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    context.grant_permissions(["camera"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert refused == [], refused


def _camera(page) -> str:
    return page.evaluate(
        """() => navigator.mediaDevices.getUserMedia({video: true})
            .then(stream => { stream.getTracks().forEach(t => t.stop()); return "granted"; })
            .catch(error => error.name)"""
    )


def test_the_trainer_scans_with_the_camera_and_other_pages_cannot_open_it(camera_page, live_server, city):
    page = camera_page
    trainer = UserFactory()
    event = EventFactory(city=city, title="Round table")
    event.trainers.add(trainer)
    session = event.sessions.get()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(trainer.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/check-in/")
    page.get_by_role("button", name="Scan with the camera").click()
    page.get_by_role("button", name="Stop the camera").wait_for()
    assert page.locator("[data-scanner-view]").is_visible()
    page.get_by_role("button", name="Stop the camera").click()

    # The room screen and the programme are refused the camera by the Permissions-Policy.
    for path in (f"/attendance/sessions/{session.pk}/room/", "/"):
        page.goto(live_server.url + path)
        assert _camera(page) == "NotAllowedError", path


def test_the_admin_works_under_its_policy(page, live_server, login, city):
    # The page fixture fails the test on any refusal Chromium reports.
    staff = UserFactory(is_staff=True, is_superuser=True)
    event = EventFactory(city=city, title="Coordination body")
    login(staff)
    for path in (
        "/admin/",
        "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/",
        "/admin/events/event/add/",
        "/admin/outbox/outgoingemail/",
        "/admin/accounts/user/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("#content").is_visible(), path
