"""The attendance sheet by keyboard alone, and the room screen on every projector size."""

import os

import pytest
from django.urls import reverse

from events.models import Attendance
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("UX_SCREENSHOTS")  # a folder: where to save screenshots to look at


def _trainer_and_session(city):
    trainer = UserFactory(full_name="Amira Haddad")
    event = EventFactory(city=city, title="Welcome desk training")
    event.trainers.add(trainer)
    return trainer, event.sessions.get()


def test_space_ticks_unticks_and_ticks_again_with_the_focus_kept(page, live_server, login, city):
    trainer, session = _trainer_and_session(city)
    registration = RegistrationFactory(event=session.event, user=UserFactory(full_name="Łukasz Nowak"))
    login(trainer)
    page.goto(live_server.url + reverse("attendance:sheet", args=[session.pk]))
    box = page.get_by_label("Łukasz Nowak")
    box.focus()
    status = page.locator("[data-att-status]")
    for expected in (True, False, True):
        status.evaluate("el => { el.textContent = ''; }")
        page.keyboard.press("Space")
        # Saved: the status line speaks, the box is idle again and still holds the focus.
        page.wait_for_function("() => document.querySelector('[data-att-status]').textContent !== ''")
        page.wait_for_function("() => !document.activeElement.hasAttribute('aria-disabled')")
        assert box.evaluate("el => el === document.activeElement")
        assert box.is_checked() is expected
        assert Attendance.objects.get(registration=registration, session=session).present is expected
    assert page.evaluate("window.scrollY") == 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "attendance-sheet-focus.png"))


ROOM_SIZES = [(800, 600), (1024, 768), (1280, 900), (1280, 720), (1366, 768), (1920, 1080), (2560, 1440), (3840, 2160)]


def test_room_screen_fits_every_projector_size(page, live_server, login, city):
    trainer, session = _trainer_and_session(city)
    login(trainer)
    for width, height in ROOM_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + reverse("attendance:room", args=[session.pk]))
        sizes = page.evaluate(
            """() => {
                const code = document.querySelector('.room-code');
                const box = code.getBoundingClientRect();
                return {page: document.documentElement.scrollWidth, window: window.innerWidth,
                        code: code.scrollWidth, codeBox: code.clientWidth,
                        start: box.left, end: box.right};
            }"""
        )
        assert sizes["page"] <= sizes["window"], (width, height, sizes)
        assert sizes["code"] <= sizes["codeBox"], (width, height, sizes)
        assert 0 <= sizes["start"] and sizes["end"] <= width, (width, height, sizes)
        if SHOTS and (width, height) == (1024, 768):
            page.screenshot(path=os.path.join(SHOTS, "room-1024x768.png"))
