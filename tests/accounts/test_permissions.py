"""Who may open which account page (the site's own and allauth's): every role × every page.

Account pages are about the person signed in: nobody reaches another person's account through
them, so the roles are a visitor, a participant and a staff member (staff have no extra rights
here; the back office is tested in tests/test_admin_matrix.py).
"""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

ROLES = ["anonymous", "participant", "staff"]
LOGIN = "login"  # a redirect to the login page
DONE = "done"  # the change was made, then a redirect


def redirect_to(path):
    return ("redirect", path)


SIGNED_IN = {"anonymous": LOGIN, "participant": 200, "staff": 200}
PUBLIC = dict.fromkeys(ROLES, 200)
# Signing in or up again while signed in just goes home.
SIGNED_OUT_ONLY = {"anonymous": 200, "participant": redirect_to("/"), "staff": redirect_to("/")}
REAUTH = redirect_to("/accounts/reauthenticate/")

# (name, method, url, data(user) or None, expected per role)
PAGES = [
    ("account_login", "get", reverse("account_login"), None, SIGNED_OUT_ONLY),
    ("account_signup", "get", reverse("account_signup"), None, SIGNED_OUT_ONLY),
    ("account_logout", "get", reverse("account_logout"), None,
     {"anonymous": redirect_to("/"), "participant": 200, "staff": 200}),
    ("account_inactive", "get", reverse("account_inactive"), None, PUBLIC),
    ("account_reauthenticate", "get", reverse("account_reauthenticate"), None, SIGNED_IN),
    ("account_email", "get", reverse("account_email"), None, SIGNED_IN),
    ("account_email_verification_sent", "get", reverse("account_email_verification_sent"), None, PUBLIC),
    ("account_change_password", "get", reverse("account_change_password"), None, SIGNED_IN),
    ("account_set_password", "get", reverse("account_set_password"), None,
     {"anonymous": LOGIN, "participant": redirect_to("/accounts/password/change/"),
      "staff": redirect_to("/accounts/password/change/")}),
    ("account_reset_password", "get", reverse("account_reset_password"), None, PUBLIC),
    ("account_reset_password_done", "get", reverse("account_reset_password_done"), None, PUBLIC),
    ("account_reset_password_from_key", "get",
     reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "bad-key"}), None, PUBLIC),
    ("account_reset_password_from_key_done", "get", reverse("account_reset_password_from_key_done"), None, PUBLIC),
    ("account_confirm_email", "get", reverse("account_confirm_email", kwargs={"key": "not-a-key"}), None, PUBLIC),
    # Steps of a login in progress: without one, back to the start.
    ("account_confirm_login_code", "get", reverse("account_confirm_login_code"), None,
     {"anonymous": redirect_to("/accounts/login/"), "participant": redirect_to("/"), "staff": redirect_to("/")}),
    ("mfa_authenticate", "get", reverse("mfa_authenticate"), None,
     {"anonymous": redirect_to("/accounts/login/"), "participant": redirect_to("/"), "staff": redirect_to("/")}),
    ("mfa_index", "get", reverse("mfa_index"), None, SIGNED_IN),
    # Changing two-factor settings asks for the password again first.
    ("mfa_reauthenticate", "get", reverse("mfa_reauthenticate"), None,
     {"anonymous": LOGIN, "participant": REAUTH, "staff": REAUTH}),
    ("mfa_activate_totp", "get", reverse("mfa_activate_totp"), None,
     {"anonymous": LOGIN, "participant": REAUTH, "staff": REAUTH}),
    ("mfa_generate_recovery_codes", "get", reverse("mfa_generate_recovery_codes"), None,
     {"anonymous": LOGIN, "participant": REAUTH, "staff": REAUTH}),
    # Nothing to deactivate or show without an authenticator.
    ("mfa_deactivate_totp", "get", reverse("mfa_deactivate_totp"), None,
     {"anonymous": LOGIN, "participant": 404, "staff": 404}),
    ("mfa_view_recovery_codes", "get", reverse("mfa_view_recovery_codes"), None,
     {"anonymous": LOGIN, "participant": 404, "staff": 404}),
    ("mfa_download_recovery_codes", "get", reverse("mfa_download_recovery_codes"), None,
     {"anonymous": LOGIN, "participant": 404, "staff": 404}),
    # The site's own account pages
    ("accounts:profile", "get", reverse("accounts:profile"), None, SIGNED_IN),
    ("accounts:profile", "post", reverse("accounts:profile"),
     lambda user: {"full_name": "Renamed Person", "preferred_language": "es"},
     {"anonymous": LOGIN, "participant": DONE, "staff": DONE}),
    ("accounts:regenerate_calendar_token", "post", reverse("accounts:regenerate_calendar_token"), lambda user: {},
     {"anonymous": LOGIN, "participant": DONE, "staff": DONE}),
    ("accounts:regenerate_calendar_token", "get", reverse("accounts:regenerate_calendar_token"), None,
     {"anonymous": LOGIN, "participant": 405, "staff": 405}),
    ("accounts:set_language", "post", reverse("accounts:set_language"), lambda user: {"language": "sv", "next": "/"},
     {"anonymous": redirect_to("/"), "participant": DONE, "staff": DONE}),
]

EFFECTS = {
    ("accounts:profile", "post"): lambda user, before: user.full_name == "Renamed Person",
    ("accounts:regenerate_calendar_token", "post"): lambda user, before: user.calendar_token != before.calendar_token,
    ("accounts:set_language", "post"): lambda user, before: user.preferred_language == "sv",
}


def _people_state():
    return sorted(User.objects.values_list("pk", "email", "full_name", "preferred_language", "calendar_token", "password"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "data", "expected"), PAGES,
                         ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_account_pages_by_role(client, role, name, method, url, data, expected):
    others = [UserFactory(), UserFactory(is_staff=True)]  # nobody else's account may change
    user = {"anonymous": None, "participant": UserFactory(), "staff": UserFactory(is_staff=True)}[role]
    if user is not None:
        client.force_login(user)
        before_user = User.objects.get(pk=user.pk)
    before = _people_state()

    response = client.post(url, data(user)) if method == "post" else client.get(url)

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code == 302
        assert EFFECTS[(name, method)](User.objects.get(pk=user.pk), before_user)
        assert [row for row in _people_state() if row[0] != user.pk] == [
            row for row in before if row[0] != user.pk
        ], "someone else's account changed"
        return
    elif isinstance(want, tuple):
        assert response.status_code == 302
        assert response["Location"].split("?")[0] == want[1]
    else:
        assert response.status_code == want
    assert _people_state() == before or method == "get" and name == "account_logout"
    assert all(User.objects.filter(pk=o.pk).exists() for o in others)


# For the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {name for name, *_ in PAGES}


def test_every_row_names_the_page_it_requests():
    from django.urls import resolve

    assert all(resolve(url).view_name == name for name, _method, url, *_rest in PAGES)
