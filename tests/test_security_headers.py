"""Every page of the role × page matrix sends the security headers and has no inline script or style.

The Content-Security-Policy allows scripts and styles from the site's own files only, so an
inline ``<script>``, ``<style>``, ``style=""`` or ``on…=""`` handler would be refused by the
browser: this test parses each rendered page and fails on any of them.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import CertificateBatch
from config.middleware import (
    CAMERA_PERMISSIONS_POLICY,
    CONTENT_SECURITY_POLICY,
    PERMISSIONS_POLICY,
)
from events.models import Question, Registration
from outbox.models import OutgoingEmail
from tests.events.test_permissions import PAGES as EVENT_PAGES
from tests.events.test_permissions import ROLES
from tests.factories import EventFactory, RegistrationFactory, UserFactory

# Script types a browser does not run (data blocks): allowed inline.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and (attrs.get("type") or "").lower() not in DATA_BLOCK_TYPES:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        if "style" in attrs:
            self.found.append(f'style="{attrs["style"]}" on <{tag}> at line {self.getpos()[0]}')
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}> at line {self.getpos()[0]}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_sees_every_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script src="/s.js"></script><script type="application/json">{}</script>'
        '<style>p{}</style><p style="color:red" onclick="x()"><a href="javascript:x()">x</a></p>'
    )
    assert len(inline_code(html)) == 5


@pytest.fixture
def world(city, other_city, organizer, other_organizer, participant, admin_user):
    published = EventFactory(city=city, title="Published in Riga")
    draft = EventFactory(city=city, title="Draft in Riga", status="draft")
    trainer = UserFactory()
    published.trainers.add(trainer)
    draft.trainers.add(trainer)
    registration = RegistrationFactory(event=published, user=participant, status=Registration.Status.CONFIRMED)
    question = Question.objects.create(event=published, label="Diet", kind=Question.Kind.SHORT_TEXT)
    batch = CertificateBatch.objects.create(event=published, total=3, status=CertificateBatch.Status.RUNNING)
    email = OutgoingEmail.objects.create(
        user=participant, event=published, to_email=participant.email, template="t", language="en",
        subject="s", body_text="b", status=OutgoingEmail.Status.FAILED,
    )
    # Under way now, as in the events matrix, so the check-in pages open.
    session = published.sessions.first()
    session.starts_at, session.ends_at = timezone.now() - timedelta(minutes=30), timezone.now() + timedelta(hours=1)
    session.save()
    return {
        "city": city,
        "other_city": other_city,
        "published": published,
        "draft": draft,
        "open": EventFactory(city=city, title="Open for registration"),
        "participant": participant,
        "session": session,
        "registration": registration,
        "question": question,
        "email": email,
        "batch": batch,
        "users": {
            "anonymous": None,
            "participant": participant,
            "trainer": trainer,
            "organizer": organizer,
            "other_organizer": other_organizer,
            "staff": admin_user,
        },
    }


# Pages of the other apps' matrices, as (name, url(world)).
MORE_PAGES = [
    ("my registrations", lambda w: reverse("registrations:my_registrations")),
    ("profile", lambda w: reverse("accounts:profile")),
    ("login", lambda w: reverse("account_login")),
    ("signup", lambda w: reverse("account_signup")),
    ("password reset", lambda w: reverse("account_reset_password")),
    ("password change", lambda w: reverse("account_change_password")),
    ("email addresses", lambda w: reverse("account_email")),
    ("two-factor", lambda w: reverse("mfa_index")),
    ("attendance overview", lambda w: reverse("attendance:overview", args=[w["published"].pk])),
    ("attendance sheet", lambda w: reverse("attendance:sheet", args=[w["session"].pk])),
    ("check-in scanner", lambda w: reverse("attendance:checkin", args=[w["session"].pk])),
    ("room screen", lambda w: reverse("attendance:room", args=[w["session"].pk])),
    ("self check-in entry", lambda w: reverse("attendance:self_checkin_entry")),
    ("self check-in", lambda w: reverse("attendance:self_checkin", args=[w["session"].checkin_code])),
    ("registrations", lambda w: reverse("registration_admin:registrations", args=[w["published"].pk])),
    ("add registration", lambda w: reverse("registration_admin:registration_add", args=[w["published"].pk])),
    ("questions", lambda w: reverse("registration_admin:questions", args=[w["published"].pk])),
    ("add question", lambda w: reverse("registration_admin:question_add", args=[w["published"].pk])),
    ("edit question", lambda w: reverse("registration_admin:question_edit", args=[w["published"].pk, w["question"].pk])),
    ("delete question", lambda w: reverse("registration_admin:question_delete", args=[w["published"].pk, w["question"].pk])),
    ("my certificates", lambda w: reverse("certificates:mine")),
    ("event certificates", lambda w: reverse("certificates:event", args=[w["published"].pk])),
    ("certificate job", lambda w: reverse("certificates:batch_detail", args=[w["batch"].pk])),
    ("verify", lambda w: reverse("certificates:verify_lookup")),
    ("verify a code", lambda w: reverse("certificates:verify", args=["no-such-code"])),
    ("my data", lambda w: reverse("privacy:my_data")),
    ("city privacy page", lambda w: reverse("privacy:city", args=[w["city"].slug])),
    ("city wording", lambda w: reverse("privacy:city_wording", args=[w["city"].slug, "notice"])),
    ("undo link", lambda w: reverse("privacy:delete_undo", args=["a-token"])),
    ("a missing page", lambda w: "/no-such-page/"),
]
ADMIN_PAGES = [
    ("admin index", lambda w: reverse("admin:index")),
    ("admin events", lambda w: reverse("admin:events_event_changelist")),
    ("admin event", lambda w: reverse("admin:events_event_change", args=[w["published"].pk])),
    ("admin new event", lambda w: reverse("admin:events_event_add")),
    ("admin emails", lambda w: reverse("admin:outbox_outgoingemail_changelist")),
    ("admin email", lambda w: reverse("admin:outbox_outgoingemail_change", args=[w["email"].pk])),
    ("admin users", lambda w: reverse("admin:accounts_user_changelist")),
    ("admin cities", lambda w: reverse("admin:events_city_changelist")),
]
GET_PAGES = [(name, url) for name, method, url, _data, _expected in EVENT_PAGES if method == "get"] + MORE_PAGES


def _get(client, world, role, url):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return client.get(url(world))


def _assert_headers(response, *, permissions=PERMISSIONS_POLICY):
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == permissions
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "url"), GET_PAGES, ids=[name for name, _url in GET_PAGES])
def test_every_page_sends_the_policies_and_has_no_inline_script_or_style(client, world, role, page, url):
    response = _get(client, world, role, url)
    # The scanner (listed in more than one matrix) is the one page that may use the camera.
    match = getattr(response, "resolver_match", None)
    camera = response.status_code == 200 and match is not None and match.view_name == "attendance:checkin"
    _assert_headers(response, permissions=CAMERA_PERMISSIONS_POLICY if camera else PERMISSIONS_POLICY)
    if response.get("Content-Type", "").startswith("text/html"):
        assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "url"), ADMIN_PAGES, ids=[name for name, _url in ADMIN_PAGES])
def test_admin_pages_are_under_the_same_policy_and_have_no_inline_code_either(client, world, role, page, url):
    response = _get(client, world, role, url)
    _assert_headers(response)
    if response.get("Content-Type", "").startswith("text/html"):
        assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_only_the_scanner_may_use_the_camera(client, world):
    client.force_login(world["users"]["trainer"])
    scanner = client.get(reverse("attendance:checkin", args=[world["session"].pk]))
    assert scanner.status_code == 200
    assert "camera=(self)" in scanner["Permissions-Policy"]
    room = client.get(reverse("attendance:room", args=[world["session"].pk]))
    assert room.status_code == 200
    assert "camera=()" in room["Permissions-Policy"]


@pytest.mark.django_db
def test_the_participants_check_in_code_is_on_the_page_and_styled_from_the_stylesheet(client, world):
    client.force_login(world["users"]["participant"])
    html = client.get(reverse("registrations:checkin_code", args=[world["registration"].pk])).content.decode()
    assert 'class="registration-qr' in html
    assert world["registration"].checkin_code[:2] in html
    assert inline_code(html) == []


@pytest.mark.django_db
def test_the_pages_checked_are_real_pages_for_those_who_may_see_them(client, world):
    client.force_login(world["users"]["staff"])
    not_shown = {name: client.get(url(world)).status_code for name, url in GET_PAGES + ADMIN_PAGES}
    not_shown = {name: status for name, status in not_shown.items() if status != 200}
    # Signed in, login and signup send you on; the rest are meant to be missing or POST-only.
    # "city logo" is missing here because this world's city has no logo file.
    assert not_shown == {
        "login": 302, "signup": 302, "add registration": 405, "verify a code": 404, "a missing page": 404,
        "not a city logo": 404, "personal feed, wrong token": 404, "city logo": 404,
        # A check-in code is its holder's (the participant's): nobody else may see it.
        "my check-in code": 404, "my check-in QR code": 404,
    }
