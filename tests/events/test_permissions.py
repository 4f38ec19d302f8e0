"""Who may open which public and organizer page: every role × every page, as status codes.

Riga's event is managed by Riga's organizer and staff; Ravenna's organizer is a stranger to it.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import resolve, reverse

from events import permissions
from events.models import Attendance, Event, Registration
from tests.events.test_manage import form_values
from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

ROLES = ["anonymous", "participant", "trainer", "organizer", "other_organizer", "staff"]
RIGA = ZoneInfo("Europe/Riga")

LOGIN = "login"  # a redirect to the login page
DONE = "done"  # the change was made; a redirect to the result (or, for a script, 200)


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
        # A draft's existence is private: those who may not see it get 404, as on its public page.
        "edit form of a draft", "get", lambda f: reverse("events:manage_event_edit", args=[f["draft"].pk]), None,
        {"anonymous": LOGIN, "participant": 404, "trainer": 404, "organizer": 200, "other_organizer": 404, "staff": 200},
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
        {"anonymous": LOGIN, "participant": 404, "trainer": 404, "organizer": DONE, "other_organizer": 404, "staff": DONE},
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
    # Registering and one's own registrations
    (
        "register", "post", lambda f: reverse("registrations:register", args=[f["open"].pk]), lambda f: {"consent": "on"},
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], DONE)},
    ),
    (
        "registration form", "get", lambda f: reverse("registrations:register", args=[f["open"].pk]), None,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)},
    ),
    (
        "register for a draft", "post", lambda f: reverse("registrations:register", args=[f["draft"].pk]), lambda f: {},
        # Those who may see the draft are answered that it is not open (400); for the others it does not exist.
        {"anonymous": LOGIN, "participant": 404, "trainer": 404, "organizer": 400, "other_organizer": 404, "staff": 400},
    ),
    (
        "cancel the participant's registration", "post",
        lambda f: reverse("registrations:cancel", args=[f["registration"].pk]), lambda f: {},
        {"anonymous": LOGIN, "participant": DONE, "trainer": 404, "organizer": 404, "other_organizer": 404, "staff": 404},
    ),
    ("my registrations", "get", lambda f: reverse("registrations:my_registrations"), None,
     {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}),
    # A check-in code lets its holder in: only the holder sees it; for everyone else it does not exist.
    ("my check-in code", "get", lambda f: reverse("registrations:checkin_code", args=[f["registration"].pk]), None,
     {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404), "participant": 200}),
    ("my check-in QR code", "get", lambda f: reverse("registrations:checkin_qr", args=[f["registration"].pk]), None,
     {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404), "participant": 200}),
    # Attendance: the event's trainers, its city's organizers and staff
    ("attendance overview", "get", lambda f: reverse("attendance:overview", args=[f["published"].pk]), None, {"anonymous": LOGIN, "participant": 403, "trainer": 200, "organizer": 200, "other_organizer": 403, "staff": 200}),
    ("attendance sheet", "get", lambda f: reverse("attendance:sheet", args=[f["session"].pk]), None, {"anonymous": LOGIN, "participant": 403, "trainer": 200, "organizer": 200, "other_organizer": 403, "staff": 200}),
    (
        "mark present", "post", lambda f: reverse("attendance:mark", args=[f["session"].pk]),
        lambda f: {"registration": str(f["registration"].pk), "present": "on"}, {"anonymous": LOGIN, "participant": 403, "trainer": DONE, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    ("mark everyone present", "post", lambda f: reverse("attendance:mark_all", args=[f["session"].pk]), lambda f: {},
     {"anonymous": LOGIN, "participant": 403, "trainer": DONE, "organizer": DONE, "other_organizer": 403, "staff": DONE}),
    (
        "add a walk-in", "post", lambda f: reverse("attendance:walk_in", args=[f["session"].pk]),
        lambda f: {"email": "walkin@example.org", "full_name": "Walk In"}, {"anonymous": LOGIN, "participant": 403, "trainer": DONE, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    ("trainer check-in page", "get", lambda f: reverse("attendance:checkin", args=[f["session"].pk]), None, {"anonymous": LOGIN, "participant": 403, "trainer": 200, "organizer": 200, "other_organizer": 403, "staff": 200}),
    (
        "trainer check-in by code", "post", lambda f: reverse("attendance:checkin", args=[f["session"].pk]),
        lambda f: {"code": f["registration"].checkin_code}, {"anonymous": LOGIN, "participant": 403, "trainer": DONE, "organizer": DONE, "other_organizer": 403, "staff": DONE},
    ),
    ("room screen", "get", lambda f: reverse("attendance:room", args=[f["session"].pk]), None, {"anonymous": LOGIN, "participant": 403, "trainer": 200, "organizer": 200, "other_organizer": 403, "staff": 200}),
    ("sign-in sheet", "get", lambda f: reverse("attendance:signin_sheet", args=[f["session"].pk]), None, {"anonymous": LOGIN, "participant": 403, "trainer": 200, "organizer": 200, "other_organizer": 403, "staff": 200}),
    ("self check-in entry", "get", lambda f: reverse("attendance:self_checkin_entry"), None,
     {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}),
    (
        "self check-in", "get", lambda f: reverse("attendance:self_checkin", args=[f["session"].checkin_code]), None,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)},
    ),
    # Calendars: public feeds for all; the personal feed's secret is its token
    ("programme feed", "get", lambda f: reverse("calendars:events_feed"), None, dict.fromkeys(ROLES, 200)),
    ("event file", "get", lambda f: reverse("calendars:event_ics", args=[f["published"].pk]), None,
     dict.fromkeys(ROLES, 200)),
    (
        "event file of a draft", "get", lambda f: reverse("calendars:event_ics", args=[f["draft"].pk]), None,
        {"anonymous": 404, "participant": 404, "trainer": 404, "organizer": 200, "other_organizer": 404, "staff": 200},
    ),
    ("city feed", "get", lambda f: reverse("calendars:city_feed", args=["riga"]), None, dict.fromkeys(ROLES, 200)),
    ("personal feed", "get", lambda f: reverse("calendars:personal_feed", args=[f["participant"].calendar_token]), None,
     dict.fromkeys(ROLES, 200)),
    ("personal feed, wrong token", "get", lambda f: reverse("calendars:personal_feed", args=["not-a-token"]), None,
     dict.fromkeys(ROLES, 404)),
    # Infrastructure
    ("untranslated list", "get", lambda f: reverse("events:manage_untranslated", args=["riga"]), None,
     {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403, "staff": 200}),
    ("JavaScript catalogue", "get", lambda f: reverse("javascript_catalog", args=["pl"]), None, dict.fromkeys(ROLES, 200)),
    ("health check", "get", lambda f: reverse("healthz"), None, dict.fromkeys(ROLES, 200)),
    ("city logo", "get", lambda f: reverse("city_logo", args=["riga.png"]), None, dict.fromkeys(ROLES, 200)),
    ("not a city logo", "get", lambda f: reverse("city_logo", args=["../signatures/riga.png"]), None,
     dict.fromkeys(ROLES, 404)),
]

# The state each allowed change leaves behind, so a 302 is known to be the change and not a bounce.
EFFECTS = {
    "create event": lambda f: Event.objects.filter(title="Launch", city=f["city"]).exists(),
    "save edit": lambda f: Event.objects.get(pk=f["published"].pk).title == "Edited",
    "duplicate": lambda f: Event.objects.filter(title="Published in Riga").count() == 2,
    "publish": lambda f: Event.objects.get(pk=f["draft"].pk).status == Event.Status.PUBLISHED,
    "cancel": lambda f: Event.objects.get(pk=f["published"].pk).status == Event.Status.CANCELLED,
    "register": lambda f: Registration.objects.filter(event=f["open"], user=f["user"], status="confirmed").exists(),
    "cancel the participant's registration": lambda f: Registration.objects.get(pk=f["registration"].pk).status
    == Registration.Status.CANCELLED,
    "mark present": lambda f: Attendance.objects.filter(registration=f["registration"], present=True).exists(),
    "mark everyone present": lambda f: Attendance.objects.filter(registration=f["registration"], present=True).exists(),
    "add a walk-in": lambda f: Registration.objects.filter(event=f["published"], user__email="walkin@example.org").exists(),
    "trainer check-in by code": lambda f: Attendance.objects.filter(registration=f["registration"], present=True).exists(),
}


def _snapshot():
    return (
        sorted(Event.objects.values_list("pk", "status", "title", "sequence", "capacity")),
        sorted(Registration.objects.values_list("pk", "user_id", "event_id", "status")),
        sorted(Attendance.objects.values_list("pk", "registration_id", "session_id", "present")),
    )


@pytest.fixture
def matrix_fixtures(city, other_city, published, draft, participant, settings):
    """What the rows' URLs and effects need: the events, a session under way, a registration, a logo."""
    from django.utils import timezone

    session = published.sessions.get()
    # Under way now, so check-in and attendance are open.
    session.starts_at, session.ends_at = timezone.now() - timedelta(minutes=30), timezone.now() + timedelta(hours=1)
    session.save()
    logos = settings.MEDIA_ROOT / "cities/logos"
    logos.mkdir(parents=True, exist_ok=True)
    (logos / "riga.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    city.logo = "cities/logos/riga.png"
    city.save()
    return {
        "city": city, "other_city": other_city, "published": published, "draft": draft, "session": session,
        "participant": participant, "registration": RegistrationFactory(event=published, user=participant),
        "open": EventFactory(city=city, title="Open for registration"),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_role_page_matrix(client, matrix_fixtures, user_for, role, page, method, url, data, expected):
    user = user_for[role]
    fixtures = {**matrix_fixtures, "user": user}
    payload = data(fixtures) if data else None
    if user is not None:
        client.force_login(user)
    before = _snapshot()

    response = getattr(client, method)(url(fixtures), payload) if method == "post" else client.get(url(fixtures))

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code in (200, 302), response.content.decode()[:2000]
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_login"))
        assert EFFECTS[page](fixtures)
    else:
        assert response.status_code == want
    if want != DONE:
        assert _snapshot() == before, "a refused request changed an event"


# The URL names the rows above request (checked below), for the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {
    "events:home", "events:event_list", "events:city_list", "events:city_detail", "events:event_detail",
    "events:manage_dashboard", "events:manage_event_create", "events:manage_event_edit",
    "events:manage_event_duplicate", "events:manage_event_publish", "events:manage_event_cancel",
    "registrations:register", "registrations:cancel", "registrations:my_registrations",
    "registrations:checkin_code", "registrations:checkin_qr",
    "attendance:overview", "attendance:sheet", "attendance:mark", "attendance:mark_all", "attendance:walk_in",
    "attendance:checkin", "attendance:room", "attendance:signin_sheet", "attendance:self_checkin_entry",
    "attendance:self_checkin", "attendance:my_sessions", "calendars:events_feed", "calendars:event_ics", "calendars:city_feed",
    "calendars:personal_feed", "healthz", "city_logo", "events:manage_untranslated", "javascript_catalog",
}


def test_the_matrix_requests_exactly_the_url_names_it_declares(matrix_fixtures, participant):
    from urllib.parse import urlsplit

    fixtures = {**matrix_fixtures, "user": participant}
    requested = {resolve(urlsplit(url(fixtures)).path).view_name for _page, _method, url, _data, _expected in PAGES}

    assert requested == COVERED_URL_NAMES


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


@pytest.mark.django_db
def test_every_event_page_answers_a_hidden_draft_with_404_and_a_visible_event_with_403(
    client, participant, draft, published
):
    client.force_login(participant)
    for name in ("registration_admin:registrations", "attendance:overview", "certificates:event"):
        kwarg = "event_id" if name.startswith("certificates") else ("event_pk" if name.startswith("attendance") else "pk")
        assert client.get(reverse(name, kwargs={kwarg: draft.pk})).status_code == 404, name
        assert client.get(reverse(name, kwargs={kwarg: published.pk})).status_code == 403, name


@pytest.mark.django_db
def test_a_trainer_of_a_draft_reaches_its_attendance_and_certificates(client, trainer, draft):
    client.force_login(trainer)
    assert client.get(reverse("attendance:overview", kwargs={"event_pk": draft.pk})).status_code == 200
    assert client.get(reverse("certificates:event", kwargs={"event_id": draft.pk})).status_code == 200


@pytest.mark.django_db
def test_the_admin_link_follows_the_platform_admin_permission(client, participant, admin_user):
    client.force_login(participant)
    assert reverse("admin:index") not in client.get(reverse("events:home")).content.decode()
    client.force_login(admin_user)
    assert reverse("admin:index") in client.get(reverse("events:home")).content.decode()
