""""My registrations" on a phone: the check-in code shows where it is used, and reads back with the
decoder the trainers' scanner uses (the vendored jsQR), in English and in Arabic."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.services.events import _refresh_event_dates
from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The image drawn on a canvas as a camera frame would be, then read by jsQR as the scanner reads it.
DECODE = """img => {
  const size = 480, canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  context.drawImage(img, 40, 40, size - 80, size - 80);
  const found = jsQR(context.getImageData(0, 0, size, size).data, size, size);
  return found ? found.data : null;
}"""


def _event(city, title, starts_in):
    event = EventFactory(city=city, title=title, sessions=0)
    start = timezone.now() + starts_in
    SessionFactory(event=event, starts_at=start, ends_at=start + timedelta(hours=2))
    _refresh_event_dates(event)
    return event


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_code_of_tomorrow_is_on_its_card_and_every_code_reads_back_at_the_door(
    page, live_server, login, city, language
):
    user = UserFactory(preferred_language=language)
    tomorrow = RegistrationFactory(user=user, event=_event(city, "Walk through the old town", timedelta(hours=20)))
    later = RegistrationFactory(user=user, event=_event(city, "Neighbourhood café", timedelta(days=30)))
    login(user)
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(live_server.url + reverse("registrations:my_registrations"))
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # Nothing wider than the phone: cards, calendar links and the code wrap.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    image = page.locator(f'img[src="{reverse("registrations:checkin_qr", args=[tomorrow.pk])}"]')
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    page.add_script_tag(url=live_server.url + "/static/vendor/jsqr/jsQR.js")
    assert page.evaluate(DECODE, image.element_handle()) == tomorrow.checkin_code

    page.locator(f'a[href="{reverse("registrations:checkin_code", args=[later.pk])}"]').click()
    page.wait_for_load_state()
    large = page.locator(".registration-qr-large img")
    large.wait_for()
    box = large.bounding_box()
    assert box["width"] >= 250  # large enough for a camera at arm's length, on a 320 px screen
    page.add_script_tag(url=live_server.url + "/static/vendor/jsqr/jsQR.js")
    assert page.evaluate(DECODE, large.element_handle()) == later.checkin_code
    assert f"{later.checkin_code[:5]} {later.checkin_code[5:]}" in page.locator(".checkin-code").inner_text()
