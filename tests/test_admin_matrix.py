"""The Django admin as a role × page matrix: every admin URL × anonymous / participant / organizer /
staff / superuser, with what each may see and change.

A platform admin (staff, no Django permission rows) runs the site's models; Django's own admins
(groups, sites, email addresses, authenticators) and every account with power over the site
(superusers, other staff) are the superuser's. A refused change leaves the row as it was.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate, CertificateBatch
from events.models import Answer, Attendance, City, CityMembership, Event, Question, Registration
from outbox.models import OutgoingEmail
from privacy.models import AuditHold, Consent, ConsentText, DataExport, DeletionRequest, PurgeRun, RetentionPolicy
from tests.factories import CityFactory, EventFactory, OrganizerFactory, RegistrationFactory, UserFactory

ROLES = ["anonymous", "participant", "organizer", "staff", "superuser"]
NEW_PASSWORD = "a brand new passphrase 42"

OUT = "out"  # kept out of the admin: a redirect to its login (which sends anonymous visitors to the site's)
DONE = "done"  # the change was made
KEPT = "kept"  # the request was answered (any status below 500) and changed nothing

# Which rule each registered model admin follows; a new admin must be added here (see the test below).
PLATFORM, READ_ONLY, SUPERUSER_ONLY = "platform", "read-only", "superuser-only"
KIND = {
    City: PLATFORM,
    CityMembership: PLATFORM,
    Event: PLATFORM,
    Registration: READ_ONLY,
    Question: READ_ONLY,
    Answer: READ_ONLY,
    Attendance: READ_ONLY,
    OutgoingEmail: READ_ONLY,
    Certificate: READ_ONLY,
    CertificateBatch: READ_ONLY,
    # Privacy: a city's wording, its retention and an event's audit hold are the platform admins' to
    # set; consents, deletions, exports and purge runs are records that only their services write.
    ConsentText: PLATFORM,
    RetentionPolicy: PLATFORM,
    AuditHold: PLATFORM,
    Consent: READ_ONLY,
    DeletionRequest: READ_ONLY,
    DataExport: READ_ONLY,
    PurgeRun: READ_ONLY,
    Group: SUPERUSER_ONLY,
    Site: SUPERUSER_ONLY,
    EmailAddress: SUPERUSER_ONLY,
    Authenticator: SUPERUSER_ONLY,
}


@pytest.fixture
def world(db):
    city = CityFactory(slug="riga", name="Riga")
    chief = UserFactory(email="chief@example.org", is_staff=True, is_superuser=True)
    root = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    staff = UserFactory(email="staff@example.org", is_staff=True)
    colleague = UserFactory(email="colleague@example.org", is_staff=True)
    person = UserFactory(email="person@example.org")
    attendee = UserFactory(email="attendee@example.org")  # holds the history; ``person`` can be deleted
    organizer = OrganizerFactory(email="organizer@example.org", city=city)
    event = EventFactory(city=city, title="Launch")
    registration = RegistrationFactory(event=event, user=attendee)
    question = Question.objects.create(event=event, label="Diet?", kind="short_text")
    session = event.sessions.get()
    today = timezone.localdate()
    now = timezone.now()
    objects = {
        City: city,
        CityMembership: organizer.city_memberships.get(),
        Event: event,
        Registration: registration,
        Question: question,
        Answer: Answer.objects.create(registration=registration, question=question, value="none"),
        Attendance: Attendance.objects.create(session=session, registration=registration, present=True),
        OutgoingEmail: OutgoingEmail.objects.create(
            to_email=attendee.email, template="t", language="en", subject="Hi", body_text="Hi", status="failed"
        ),
        Certificate: Certificate.objects.create(
            number="EPI-RIG-2026-000001", event=event, registration=registration, pdf="certificates/x.pdf",
            language="en", holder_name="P", event_title="Launch", event_kind="launch", city_name="Riga",
            first_date=today, last_date=today, hours=Decimal("2"), sessions_attended=1, sessions_total=1,
        ),
        CertificateBatch: CertificateBatch.objects.create(event=event),
        ConsentText: ConsentText.objects.create(city=city, kind=ConsentText.NOTICE, version="v1", text="Our notice"),
        RetentionPolicy: RetentionPolicy.objects.create(city=city),
        AuditHold: AuditHold.objects.create(event=event, until=today, reason="Audit", set_by=staff),
        Consent: Consent.objects.create(user=attendee, purpose="photos", text_version="v1", how="my_data"),
        DeletionRequest: DeletionRequest.objects.create(user=attendee, undo_token_hash="u" * 64, due_at=now),
        DataExport: DataExport.objects.create(user=attendee, token_hash="e" * 64),
        PurgeRun: PurgeRun.objects.create(finished_at=now, counts={"registrations": 0}),
        Group: Group.objects.create(name="Editors"),
        Site: Site.objects.get_current(),
        EmailAddress: EmailAddress.objects.get(user=root),
        Authenticator: Authenticator.objects.create(user=root, type=Authenticator.Type.TOTP, data={"secret": "X"}),
    }
    # Rows a delete may remove without touching anything else.
    disposable = {
        City: lambda: CityFactory(slug="atlantis", name="Atlantis"),
        CityMembership: lambda: CityMembership.objects.create(user=person, city=city),
        Event: lambda: EventFactory(city=city, title="Disposable", sessions=0),
        ConsentText: lambda: ConsentText.objects.create(city=city, kind="photos", version="v1", text="Photos"),
        RetentionPolicy: lambda: RetentionPolicy.objects.create(city=CityFactory(slug="lemuria", name="Lemuria")),
        AuditHold: lambda: AuditHold.objects.create(
            event=EventFactory(city=city, title="Held", sessions=0), until=today, reason="Audit"
        ),
        Group: lambda: Group.objects.create(name="Disposable"),
        Site: lambda: Site.objects.create(domain="spare.example", name="Spare"),
        # A colleague's address or authenticator is a way into their account: the superuser's.
        EmailAddress: lambda: EmailAddress.objects.create(user=colleague, email="spare@example.org"),
        Authenticator: lambda: Authenticator.objects.create(
            user=colleague, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
        ),
    }
    users = {"chief": chief, "root": root, "staff": staff, "colleague": colleague, "person": person, "organizer": organizer}
    actors = {"anonymous": None, "participant": person, "organizer": organizer, "staff": staff, "superuser": chief}
    return {"objects": objects, "disposable": disposable, "users": users, "actors": actors, "event": event}


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _kept_out(response):
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith((reverse("admin:login"), reverse("account_login")))
    )


def _row_state(model, pk):
    row = model._default_manager.filter(pk=pk).values().first()
    return {k: v for k, v in row.items() if k not in ("updated_at", "last_login")} if row else None


def _check(response, want, *, before, after, effect):
    if want == OUT:
        assert _kept_out(response), (response.status_code, response.get("Location"))
    elif want == DONE:
        assert response.status_code in (200, 302), response.status_code
        assert effect(), "the allowed change was not made"
        return
    elif want == KEPT:
        assert response.status_code < 500
    else:
        assert response.status_code == want, (response.status_code, response.get("Location"))
    assert after() == before, "a refused request changed the row"


# --------------------------------------------------------------------------- every model admin


def _model_cases():
    """(id, model, view, method) for every URL of every registered model admin but the user's."""
    cases = []
    for model in KIND:
        for view, method in [
            ("changelist", "get"), ("add", "get"), ("add", "post"), ("change", "get"), ("change", "post"),
            ("history", "get"), ("delete", "get"), ("delete", "post"), ("delete_selected", "post"), ("object", "get"),
        ]:
            cases.append((f"{model._meta.label_lower}:{view}:{method}", model, view, method))
        for action in _extra_actions(model):
            cases.append((f"{model._meta.label_lower}:action {action}", model, f"action:{action}", "post"))
    return cases


def _extra_actions(model):
    model_admin = admin.site.get_model_admin(model)
    return [name for name in model_admin.actions or [] if name != "delete_selected"]


def _model_expectation(model, view, method, role):
    if role in ("anonymous", "participant", "organizer"):
        return OUT
    kind = KIND[model]
    if view == "object":
        return 302  # Django's old address of a change page: a redirect to it, which then decides
    if kind == SUPERUSER_ONLY and role == "staff":
        return 403
    reading = method == "get" and view in ("changelist", "change", "history")
    if reading:
        return 200
    if kind == READ_ONLY:
        if view.startswith("action:"):
            return KEPT  # the read-only admins' actions call services, which keep their own rules
        if view == "delete_selected":
            return KEPT  # no delete permission: Django offers no such action and does nothing
        return 403
    if view in ("delete", "delete_selected") and method == "post":
        return DONE
    if view.startswith("action:"):
        return KEPT  # publish / cancel pass the permission gate and call the services
    # GET pages open; an empty add or change form passes the permission gate and is shown again
    # with its errors, saving nothing.
    return 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("case", "model", "view", "method"), _model_cases(), ids=[c[0] for c in _model_cases()])
def test_model_admin_matrix(client, world, role, case, model, view, method):
    actor = world["actors"][role]
    if actor is not None:
        client.force_login(actor)
    target = world["objects"][model]
    if method == "post" and view in ("delete", "delete_selected") and model in world["disposable"]:
        target = world["disposable"][model]()
    changelist = _admin_url(model, "changelist")
    want = _model_expectation(model, view, method, role)
    # An allowed action may change the row; there only the status is the matrix's business.
    watched = not (want == KEPT and view.startswith("action:"))
    state = (lambda: _row_state(model, target.pk)) if watched else (lambda: None)
    before = state()

    if view.startswith("action:") or view == "delete_selected":
        action = view.removeprefix("action:")
        data = {"action": action, "_selected_action": [str(target.pk)], "post": "yes", "reason": "Typo"}
        response = client.post(changelist, data)
    elif view in ("changelist", "add"):
        url = _admin_url(model, view)
        response = client.post(url, {}) if method == "post" else client.get(url)
    elif view == "object":
        response = client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/{target.pk}/")
    else:
        url = _admin_url(model, view, target.pk)
        response = client.post(url, {"post": "yes"}) if method == "post" else client.get(url)

    _check(response, want, before=before, after=state,
           effect=lambda: not model._default_manager.filter(pk=target.pk).exists())


def test_every_registered_model_admin_has_a_rule_in_the_matrix():
    registered = {model for model in admin.site._registry if model is not User}

    assert registered == set(KIND), "give the new admin a row kind in KIND (and its rule a test)"


# --------------------------------------------------------------------------- accounts


def _user_form(user, **changes):
    data = {
        "email": user.email, "full_name": user.full_name, "preferred_language": user.preferred_language,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
        "city_memberships-TOTAL_FORMS": "0", "city_memberships-INITIAL_FORMS": "0",
        "city_memberships-MIN_NUM_FORMS": "0", "city_memberships-MAX_NUM_FORMS": "1000",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


TARGETS = ["root", "colleague", "person", "self"]


def _target(world, role, name):
    if name != "self":
        return world["users"][name]
    return world["actors"][role] or world["users"]["person"]


def _powerful(world, role, name):
    """Is the target an account only a superuser may change (another superuser or staff user)?"""
    target = _target(world, role, name)
    return (target.is_staff or target.is_superuser) and target != world["actors"][role]


def _user_expectation(world, role, view, name):
    if role in ("anonymous", "participant", "organizer"):
        return OUT
    if view == "object:get":
        return 302
    if view in ("change:get", "history:get", "changelist:get", "add:get"):
        return 200
    if view in ("add:post",):
        return DONE
    superuser = role == "superuser"
    if view == "delete:get":
        if name == "self" and not superuser:
            return 403
        return 200 if superuser or not _powerful(world, role, name) else 403
    if view in ("delete:post", "delete_selected:post"):
        if name == "self":
            return KEPT if superuser else 403  # nobody's own account is deleted in this matrix
        return DONE if superuser or not _powerful(world, role, name) else 403
    if view == "password:get":
        return 200 if superuser or not _powerful(world, role, name) else 403
    # password:post, change:post
    return DONE if superuser or not _powerful(world, role, name) else 403


USER_VIEWS = [
    "object:get", "changelist:get", "add:get", "add:post", "change:get", "change:post", "password:get", "password:post",
    "history:get", "delete:get", "delete:post", "delete_selected:post",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("view", USER_VIEWS)
def test_user_admin_matrix(client, world, role, name, view):
    actor = world["actors"][role]
    if actor is not None:
        client.force_login(actor)
    target = _target(world, role, name)
    if view in ("changelist:get", "add:get", "add:post") and name != "root":
        pytest.skip("one target is enough for pages without an object")
    if name == "self" and view in ("delete:post", "delete_selected:post") and role == "superuser":
        pytest.skip("a superuser deleting their own account is Django's business")
    page, method = view.split(":")
    effect = lambda: True  # noqa: E731
    state = lambda: (_row_state(User, target.pk), User.objects.get(pk=target.pk).check_password(NEW_PASSWORD))  # noqa: E731
    before = state()

    if page == "object":
        response = client.get(f"/admin/accounts/user/{target.pk}/")
    elif page == "changelist":
        response = client.get(_admin_url(User, "changelist"))
    elif page == "add":
        url = _admin_url(User, "add")
        if method == "get":
            response = client.get(url)
        else:
            data = {"email": "new@example.org", "full_name": "New", "preferred_language": "en",
                    "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
                    "city_memberships-TOTAL_FORMS": "0", "city_memberships-INITIAL_FORMS": "0"}
            response = client.post(url, data)
            effect = lambda: User.objects.filter(email="new@example.org", is_staff=False).exists()  # noqa: E731
    elif page == "change":
        url = _admin_url(User, "change", target.pk)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, _user_form(target, email="taken-over@example.org"))
            effect = lambda: User.objects.filter(pk=target.pk, email="taken-over@example.org").exists()  # noqa: E731
    elif page == "password":
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        if method == "get":
            response = client.get(url)
        else:
            data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
            response = client.post(url, data)
            effect = lambda: User.objects.get(pk=target.pk).check_password(NEW_PASSWORD)  # noqa: E731
    elif page == "history":
        response = client.get(_admin_url(User, "history", target.pk))
    elif page == "delete":
        url = _admin_url(User, "delete", target.pk)
        response = client.get(url) if method == "get" else client.post(url, {"post": "yes"})
        effect = lambda: not User.objects.filter(pk=target.pk).exists()  # noqa: E731
    else:  # the bulk action
        data = {"action": "delete_selected", "_selected_action": [str(target.pk)], "post": "yes"}
        response = client.post(_admin_url(User, "changelist"), data)
        effect = lambda: not User.objects.filter(pk=target.pk).exists()  # noqa: E731

    want = _user_expectation(world, role, view, name)
    _check(response, want, before=before, after=state, effect=effect)
    if want == 403 and method == "post":
        assert User.objects.get(pk=target.pk).email == target.email


def test_staff_cannot_take_over_a_superuser_by_setting_its_password(client, world):
    root = world["users"]["root"]
    client.force_login(world["users"]["staff"])

    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 403
    root.refresh_from_db()
    assert not root.check_password(NEW_PASSWORD)
    assert root.check_password("correct horse battery staple")


def test_staff_cannot_grant_staff_or_superuser_status(client, world):
    person, staff = world["users"]["person"], world["users"]["staff"]
    client.force_login(staff)

    client.post(_admin_url(User, "change", person.pk), _user_form(person, is_staff="on", is_superuser="on"))
    client.post(_admin_url(User, "change", staff.pk), _user_form(staff, is_superuser="on"))

    person.refresh_from_db()
    staff.refresh_from_db()
    assert not person.is_staff and not person.is_superuser
    assert not staff.is_superuser


def test_a_superuser_grants_staff_status(client, world):
    person = world["users"]["person"]
    client.force_login(world["users"]["chief"])

    response = client.post(_admin_url(User, "change", person.pk), _user_form(person, is_staff="on"))

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff


def test_staff_bulk_delete_refuses_a_selection_holding_a_superuser(client, world):
    root, person = world["users"]["root"], world["users"]["person"]
    client.force_login(world["users"]["staff"])

    response = client.post(
        _admin_url(User, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(root.pk), str(person.pk)], "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk__in=[root.pk, person.pk]).count() == 2


def test_staff_sees_a_superuser_read_only_without_a_password_link(client, world):
    root = world["users"]["root"]
    client.force_login(world["users"]["staff"])

    page = client.get(_admin_url(User, "change", root.pk)).content.decode()

    assert 'name="email"' not in page
    assert reverse("admin:auth_user_password_change", args=[root.pk]) not in page


# --------------------------------------------------------------------------- the admin site's own pages

STAFF_ONLY = {"anonymous": OUT, "participant": OUT, "organizer": OUT, "staff": 200, "superuser": 200}

SITE_PAGES = [
    ("index", "get", lambda w: reverse("admin:index"), STAFF_ONLY),
    (
        "login", "get", lambda w: reverse("admin:login"),
        {"anonymous": OUT, "participant": 403, "organizer": 403, "staff": 302, "superuser": 302},
    ),
    ("logout", "post", lambda w: reverse("admin:logout"), dict.fromkeys(ROLES, KEPT)),
    ("password change", "get", lambda w: reverse("admin:password_change"), STAFF_ONLY),
    ("password change done", "get", lambda w: reverse("admin:password_change_done"), STAFF_ONLY),
    ("jsi18n", "get", lambda w: reverse("admin:jsi18n"), STAFF_ONLY),
    (
        "autocomplete", "get",
        lambda w: reverse("admin:autocomplete") + "?app_label=events&model_name=citymembership&field_name=city&term=ri",
        STAFF_ONLY,
    ),
    (
        "view on site", "get",
        lambda w: reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Event).pk, w["event"].pk]),
        {"anonymous": OUT, "participant": OUT, "organizer": OUT, "staff": 302, "superuser": 302},
    ),
    ("app list", "get", lambda w: reverse("admin:app_list", args=["events"]), STAFF_ONLY),
    (
        "app list of Django's own models", "get", lambda w: reverse("admin:app_list", args=["auth"]),
        {"anonymous": OUT, "participant": OUT, "organizer": OUT, "staff": 404, "superuser": 200},
    ),
    (
        "unknown admin page", "get", lambda w: "/admin/no-such-page/",
        {"anonymous": OUT, "participant": OUT, "organizer": OUT, "staff": 404, "superuser": 404},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "url", "expected"), SITE_PAGES, ids=[p[0] for p in SITE_PAGES])
def test_admin_site_pages_matrix(client, world, role, page, method, url, expected):
    actor = world["actors"][role]
    if actor is not None:
        client.force_login(actor)

    response = getattr(client, method)(url(world))

    want = expected[role]
    if want == OUT:
        assert _kept_out(response), (response.status_code, response.get("Location"))
    elif want == KEPT:
        assert response.status_code < 500
    else:
        assert response.status_code == want


def covered_url_keys() -> set[str]:
    """URL names (routes, for unnamed patterns) the matrices above request, for tests/test_url_matrix.py."""
    keys = {
        "admin:index", "admin:login", "admin:logout", "admin:password_change", "admin:password_change_done",
        "admin:jsi18n", "admin:autocomplete", "admin:view_on_site", "admin:app_list", "admin/(?P<url>.*)$",
        "admin:auth_user_password_change",
    }
    for model in [*KIND, User]:
        opts = model._meta
        keys |= {f"admin:{opts.app_label}_{opts.model_name}_{view}" for view in ("changelist", "add", "change", "history", "delete")}
        keys.add(f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/")
    return keys


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in admin.site._registry], ids=lambda m: m._meta.label)
def test_a_selection_no_column_can_hold_is_refused_with_a_message(client, admin_user, model):
    """A forged, enormous id in an admin action answers the list again, on every admin of the site."""
    client.force_login(admin_user)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = client.post(url, {"action": "delete_selected", "_selected_action": ["-66215687791808831488"], "index": "0"})
    assert response.status_code < 500  # the list again (302 or 200), or refused (403)
