""""My registrations" of a busy participant stays a page one can scroll on a phone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from events.services.events import _refresh_event_dates
from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_eighteen_registrations_at_320_px(page, live_server, login, city):
    user = UserFactory()
    now = timezone.now()
    for number in range(18):
        days = 3 + number * 5 if number < 10 else -(number * 4)
        event = EventFactory(city=city, title=f"Neighbourhood meeting {number + 1}", sessions=0)
        SessionFactory(event=event, starts_at=now + timedelta(days=days), ends_at=now + timedelta(days=days, hours=2))
        _refresh_event_dates(event)
        status = Registration.Status.WAITING if number in (8, 9) else Registration.Status.CONFIRMED
        RegistrationFactory(event=event, user=user, status=status, waiting_rank=1 if status == "waiting" else None)
    login(user)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server.url + reverse("registrations:my_registrations"))
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"My registrations, 18 registrations at 320 px: {height} px tall")
    assert height < 6000
