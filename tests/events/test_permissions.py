"""Who may open which public and organizer page: every role × every page, as status codes.

Riga's event is managed by Riga's organizer and staff; Ravenna's organizer is a stranger to it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from events import permissions
from events.models import Event
from tests.events.test_manage import form_values
from tests.factories import EventFactory, SessionFactory, UserFactory

ROLES = ["anonymous", "participant", "trainer", "organizer", "other_organizer", "staff"]
RIGA = ZoneInfo("Europe/Riga")

LOGIN = "login"  # a redirect to the login page
DONE = "done"  # the change was made; a redirect to the result


@pytest.fixture
def published(city):
    return EventFactory(city=city, title="Published in Riga")


@pytest.fixture
def draft(city):
    return EventFactory(city=city, title="Draft in Riga", status=Event.Status.DRAFT)


@pytest.fixture
def trainer(published, draft):
    user = UserFactory()
    published.trainers.add(user)
    draft.trainers.add(user)
    return user


@pytest.fixture
def user_for(participant, trainer, organizer, other_organizer, admin_user):
    return {
        "anonymous": None,
        "participant": participant,
        "trainer": trainer,
        "organizer": organizer,
        "other_organizer": other_organizer,
        "staff": admin_user,
    }


def _valid_event_form(city, event=None) -> dict[str, str]:
    """The event form as an organizer of ``city`` would submit it, unchanged (or a minimal new event)."""
    from django.test import Client

    from tests.factories import OrganizerFactory

    client = Client()
    client.force_login(OrganizerFactory(city=city))
    if event is not None:
        return form_values(client, reverse("events:manage_event_edit", args=[event.pk]))
    data = form_values(client, reverse("events:manage_event_create", args=[city.slug]))
    data.update({"kind": "launch", "area": "governance", "title": "Launch", "sessions-0-starts_at": "2030-05-04T10:00", "sessions-0-ends_at": "2030-05-04T12:00"})
    return data


# (name, method, url(fixtures) -> str, data(fixtures) -> dict | None, expected per role)
PAGES = [
    ("home", "get", lambda f: reverse("events:home"), None, dict.fromkeys(ROLES, 200)),
    (
        "my sessions", "get", lambda f: reverse("attendance:my_sessions"), None,
        {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN},
    ),
    ("event list", "get", lambda f: reverse("events:event_list"), None, dict.fromkeys(ROLES, 200)),
    ("city list", "get", lambda f: reverse("events:city_list"), None, dict.fromkeys(ROLES, 200)),
    ("city page", "get", lambda f: reverse("events:city_detail", args=["riga"]), None, dict.fromkeys(ROLES, 200)),
    ("published event", "get", lambda f: f["published"].get_absolute_url(), None, dict.fromkeys(ROLES, 200)),
    (
        "draft event", "get", lambda f: f["draft"].get_absolute_url(), None,
        {"anonymous": 404, "participant": 404, "trainer": 404, "organizer": 200, "other_organizer": 404, "staff": 200},
    ),
    (
        "dashboard", "get", lambda f: reverse("events:manage_dashboard"), None,
        # A trainer is sent to "My sessions", the part of managing that is theirs.
        {"anonymous": LOGIN, "participant": 403, "trainer": 302, "organizer": 200, "other_organizer": 200, "staff": 200},
    ),
    (
        "new event form", "get", lambda f: reverse("events:manage_event_create", args=["riga"]), None,
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403, "staff": 200},
    ),
    (
        "create event", "post", lambda f: reverse("events:manage_event_create", args=["riga"]),
        lambda f: _valid_event_form(f["city"]),
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    (
        "edit form", "get", lambda f: reverse("events:manage_event_edit", args=[f["published"].pk]), None,
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403, "staff": 200},
    ),
    (
        "edit form of a draft", "get", lambda f: reverse("events:manage_event_edit", args=[f["draft"].pk]), None,
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403, "staff": 200},
    ),
    (
        "save edit", "post", lambda f: reverse("events:manage_event_edit", args=[f["published"].pk]),
        lambda f: {**_valid_event_form(f["city"], f["published"]), "title": "Edited"},
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    (
        "duplicate", "post", lambda f: reverse("events:manage_event_duplicate", args=[f["published"].pk]),
        lambda f: {"weeks": "1"},
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    (
        "publish", "post", lambda f: reverse("events:manage_event_publish", args=[f["draft"].pk]), lambda f: {},
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    (
        "cancel confirmation", "get", lambda f: reverse("events:manage_event_cancel", args=[f["published"].pk]), None,
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403, "staff": 200},
    ),
    (
        "cancel", "post", lambda f: reverse("events:manage_event_cancel", args=[f["published"].pk]),
        lambda f: {"reason": "Illness"},
        {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
]

# The state each allowed change leaves behind, so a 302 is known to be the change and not a bounce.
EFFECTS = {
    "create event": lambda f: Event.objects.filter(title="Launch", city=f["city"]).exists(),
    "save edit": lambda f: Event.objects.get(pk=f["published"].pk).title == "Edited",
    "duplicate": lambda f: Event.objects.filter(title="Published in Riga").count() == 2,
    "publish": lambda f: Event.objects.get(pk=f["draft"].pk).status == Event.Status.PUBLISHED,
    "cancel": lambda f: Event.objects.get(pk=f["published"].pk).status == Event.Status.CANCELLED,
}


def _snapshot():
    return sorted(Event.objects.values_list("pk", "status", "title", "sequence", "capacity"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_role_page_matrix(client, city, other_city, published, draft, user_for, role, page, method, url, data, expected):
    fixtures = {"city": city, "other_city": other_city, "published": published, "draft": draft}
    payload = data(fixtures) if data else None
    user = user_for[role]
    if user is not None:
        client.force_login(user)
    before = _snapshot()

    response = getattr(client, method)(url(fixtures), payload) if method == "post" else client.get(url(fixtures))

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("account_login"))
        assert EFFECTS[page](fixtures)
    else:
        assert response.status_code == want
    if want != DONE:
        assert _snapshot() == before, "a refused request changed an event"


@pytest.mark.parametrize(
    "name", ["manage_event_edit", "manage_event_cancel", "manage_event_duplicate", "manage_event_publish"]
)
def test_organizer_gets_404_for_an_event_that_does_not_exist(client, organizer, name):
    client.force_login(organizer)

    response = client.post(reverse(f"events:{name}", args=[999999]))

    assert response.status_code == 404


def test_a_city_that_does_not_exist_is_404_to_an_organizer(client, organizer):
    client.force_login(organizer)

    assert client.get(reverse("events:manage_event_create", args=["atlantis"])).status_code == 404


@pytest.mark.parametrize("name", ["manage_event_duplicate", "manage_event_publish"])
def test_post_only_actions_refuse_get_without_acting(client, organizer, draft, name):
    client.force_login(organizer)

    assert client.get(reverse(f"events:{name}", args=[draft.pk])).status_code == 405
    assert Event.objects.count() == 1


def test_riga_organizer_cannot_reach_a_ravenna_event_through_a_riga_session_id(client, organizer, city, other_city):
    """The sessions formset only accepts the event's own sessions."""
    riga_event = EventFactory(city=city)
    ravenna_event = EventFactory(city=other_city, sessions=0)
    ravenna_session = SessionFactory(
        event=ravenna_event, starts_at=datetime(2030, 1, 1, 10, tzinfo=RIGA), ends_at=datetime(2030, 1, 1, 12, tzinfo=RIGA)
    )
    client.force_login(organizer)
    data = form_values(client, reverse("events:manage_event_edit", args=[riga_event.pk]))
    data.update({"sessions-0-id": str(ravenna_session.pk), "sessions-0-DELETE": "on"})

    client.post(reverse("events:manage_event_edit", args=[riga_event.pk]), data)

    assert ravenna_event.sessions.filter(pk=ravenna_session.pk).exists()


def test_inactive_staff_is_no_platform_admin(db):
    user = UserFactory(is_staff=True, is_active=False)

    assert not permissions.is_platform_admin(user)
