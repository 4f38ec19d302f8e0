from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Answer, Attendance, Question, Session
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, RegistrationFactory


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://events.example.eu"
    settings.BACKGROUND_LONG_JOBS = False


def ended_event(city, *, days_ago: int, **fields):
    """A published event whose one session ended ``days_ago`` days ago."""
    event = EventFactory(city=city, sessions=0, **fields)
    start = (timezone.now() - timedelta(days=days_ago, hours=3)).replace(microsecond=0)
    Session.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=2), title="Module")
    from events.services.events import _refresh_event_dates

    _refresh_event_dates(event)
    return event


def attended_registration(event, user, *, answer="I need a ramp", sensitive=False, email=True):
    """A confirmed registration with one answer, presence at every session and one stored email."""
    question = Question.objects.create(
        event=event, label="Access needs", kind=Question.Kind.SHORT_TEXT, sensitive=sensitive
    )
    registration = RegistrationFactory(event=event, user=user, decision_message="Welcome aboard")
    Answer.objects.create(registration=registration, question=question, value=answer)
    for session in event.sessions.all():
        Attendance.objects.create(session=session, registration=registration, present=True)
    if email:
        OutgoingEmail.objects.create(
            user=user, event=event, to_email=user.email, template="registration_confirmed", language="en",
            subject="You are registered", body_text=f"Hello {user.full_name}", status=OutgoingEmail.Status.SENT,
        )
    return registration


@pytest.fixture
def make_ended_event(city):
    return lambda days_ago, **fields: ended_event(city, days_ago=days_ago, **fields)
