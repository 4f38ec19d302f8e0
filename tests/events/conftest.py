import pytest

from events.models import Attendance
from tests.factories import UserFactory


@pytest.fixture
def session(event):
    """The one session of the ``event`` fixture."""
    return event.sessions.select_related("event__city").get()


@pytest.fixture
def trainer(event):
    """A trainer of the ``event`` fixture."""
    user = UserFactory()
    event.trainers.add(user)
    return user


@pytest.fixture
def present_ids():
    """The registration ids marked present at a session."""

    def _present_ids(session):
        return set(Attendance.objects.filter(session=session, present=True).values_list("registration_id", flat=True))

    return _present_ids
