from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Attendance, Registration
from surveys.models import Survey
from surveys.services.surveys import survey_ensure, survey_open
from tests.factories import EventFactory, RegistrationFactory, UserFactory


@pytest.fixture
def ended_event(city):
    """An event whose one session ended an hour ago."""
    start = timezone.now() - timedelta(hours=3)
    return EventFactory(city=city, sessions=1, sessions__start=start)


@pytest.fixture
def attendees(ended_event):
    """Three participants present, one confirmed but absent."""
    session = ended_event.sessions.get()
    people = []
    for index in range(4):
        user = UserFactory(preferred_language="sv" if index == 0 else "en")
        registration = RegistrationFactory(event=ended_event, user=user, status=Registration.Status.CONFIRMED)
        if index < 3:
            Attendance.objects.create(session=session, registration=registration, present=True)
            people.append(user)
    return people


@pytest.fixture
def open_survey(ended_event, attendees, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        survey = survey_open(survey=survey_ensure(event=ended_event))
    assert survey.status == Survey.Status.OPEN
    return survey
