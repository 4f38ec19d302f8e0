from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Attendance, Session
from tests.factories import EventFactory, RegistrationFactory, UserFactory


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    # Jobs run inside the test, after commit, instead of in a background thread.
    settings.BACKGROUND_LONG_JOBS = False
    settings.SITE_URL = "https://events.example.eu"


@pytest.fixture
def trainer(db):
    return UserFactory(full_name="Anna Bērziņa")


@pytest.fixture
def past_event(city, trainer):
    """A two-session training that ended last week, with one trainer."""
    event = EventFactory(city=city, sessions=0, title="Intercultural competence for front-desk staff", kind="training")
    start = (timezone.now() - timedelta(days=15)).replace(microsecond=0)
    for i in range(2):
        s = start + timedelta(days=7 * i)
        Session.objects.create(event=event, starts_at=s, ends_at=s + timedelta(hours=3), title=f"Module {i + 1}")
    from events.services.events import _refresh_event_dates

    _refresh_event_dates(event)
    event.trainers.add(trainer)
    return event


def attend_all(registration):
    for session in registration.event.sessions.all():
        Attendance.objects.create(session=session, registration=registration, present=True)
    return registration


@pytest.fixture
def make_attendee(past_event):
    def make(**user_fields):
        return attend_all(RegistrationFactory(event=past_event, user=UserFactory(**user_fields)))

    return make


@pytest.fixture
def holder_registration(make_attendee):
    return make_attendee(full_name="Łucja Ștefănescu-Åström", preferred_language="en")


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    """Every certificate test issues with a credential key of its own, in a temporary folder."""
    from certificates import keys

    settings.CREDENTIAL_KEYS_DIR = str(tmp_path / "credential-keys")
    return keys.generate_key()
