import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests.factories import CityFactory, EventFactory, OrganizerFactory, UserFactory


def pytest_runtest_setup(item):
    # `-m "not postgres"` leaves them out; on SQLite they are skipped in any case.
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _isolate(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    translation.activate("en")


@pytest.fixture
def city(db):
    return CityFactory(name="Riga", slug="riga", timezone="Europe/Riga", country="LV", default_language="lv")


@pytest.fixture
def other_city(db):
    return CityFactory(
        name="Ravenna", slug="ravenna", timezone="Europe/Rome", country="IT", default_language="it"
    )


@pytest.fixture
def participant(db):
    return UserFactory()


@pytest.fixture
def organizer(city):
    return OrganizerFactory(city=city)


@pytest.fixture
def other_organizer(other_city):
    return OrganizerFactory(city=other_city)


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def event(city):
    return EventFactory(city=city)
