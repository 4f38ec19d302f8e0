"""Every URL pattern of the site has rows in a role × page matrix, so no page ships untested.

The walk covers every pattern Django resolves — the site's, allauth's and the admin's. A new
pattern fails this test until a matrix requests it and lists it among its covered URLs:

| pages | matrix |
|---|---|
| public, organizer, registration, attendance, calendar, media | `tests/events/test_permissions.py` |
| registrations and questions of an event, exports | `tests/events/test_registration_admin.py`, `test_questions.py`, `test_exports.py` |
| certificates | `tests/certificates/test_views.py` |
| privacy: my data, exports, deletion, a city's privacy page and wording | `tests/privacy/test_permissions.py` |
| accounts and allauth | `tests/accounts/test_permissions.py` |
| the admin (built from its registry) | `tests/test_admin_matrix.py` |
| the API by token, the token and webhook pages | `tests/api/test_tokens.py`, `tests/api/test_pages.py` |
| surveys: respondents' links, settings, results | `tests/surveys/test_permissions.py` |
| the evidence dashboard, its charts and reports | `tests/evidence/test_permissions.py` |
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, path

from tests import test_admin_matrix
from tests.accounts import test_permissions as account_matrix
from tests.api import test_pages as api_pages_matrix
from tests.api import test_tokens as api_matrix
from tests.certificates import test_views as certificate_matrix
from tests.events import test_exports, test_questions, test_registration_admin
from tests.events import test_permissions as events_matrix
from tests.evidence import test_permissions as evidence_matrix
from tests.privacy import test_permissions as privacy_matrix
from tests.surveys import test_permissions as surveys_matrix

# Matrices written before this walk, whose rows name URLs through helpers: the names they request
# and the test that requests them (checked to exist below).
OTHER_MATRICES = {
    test_registration_admin.test_only_the_city_organizers_and_staff_reach_registration_pages: {
        "registration_admin:registrations", "registration_admin:registration_add",
        "registration_admin:registration_approve", "registration_admin:registration_reject",
        "registration_admin:registration_cancel", "registration_admin:registration_promote",
        "registration_admin:registration_approve_many", "registration_admin:email_retry",
    },
    test_questions.test_only_the_city_organizers_and_staff_edit_questions: {
        "registration_admin:questions", "registration_admin:question_add", "registration_admin:question_edit",
        "registration_admin:question_delete", "registration_admin:question_move",
    },
    test_exports.test_only_the_city_organizers_and_staff_can_export: {
        "registration_admin:registration_export_csv", "registration_admin:registration_export_xlsx",
    },
    # The API by token role (no token, expired, revoked, other city, read-only, participant, organizer, admin).
    api_matrix.test_role_endpoint_matrix: {
        "api:event_list", "api:event_detail", "api:city_list", "api:city_detail", "api:schema", "api:docs",
        "api:event_registrations", "api:event_registrations_export", "api:registration_detail",
        "api:registration_cancel", "api:session_attendance", "api:event_certificates", "api:certificate_revoke",
        "api:aggregates", "api:event_publish", "api:event_cancel",
    },
    api_pages_matrix.test_role_page_matrix: {
        "api_pages:index", "api_pages:webhook_detail", "api_pages:webhook_toggle", "api_pages:delivery_resend",
        "api_pages:token_revoke",
    },
    api_pages_matrix.test_adding_a_token_or_a_webhook_is_for_organizers_only: {
        "api_pages:token_add", "api_pages:webhook_add",
    },
}


def url_keys(urlconf=None) -> set[str]:
    """One key per pattern: its namespaced name, or its full route when it has none."""

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                yield namespace + pattern.name if pattern.name else prefix + str(pattern.pattern)

    return set(walk(get_resolver(urlconf), "", ""))


def covered_keys() -> set[str]:
    covered = set(events_matrix.COVERED_URL_NAMES)
    covered |= certificate_matrix.COVERED_URL_NAMES
    covered |= account_matrix.COVERED_URL_NAMES
    covered |= surveys_matrix.COVERED_URL_NAMES
    covered |= evidence_matrix.COVERED_URL_NAMES
    covered |= privacy_matrix.COVERED_URL_NAMES
    covered |= test_admin_matrix.covered_url_keys()
    for names in OTHER_MATRICES.values():
        covered |= names
    return covered


def test_every_url_pattern_has_rows_in_a_role_matrix():
    missing = sorted(url_keys() - covered_keys())

    assert not missing, f"URL patterns without a role × page matrix entry: {missing}"


def test_the_matrices_list_no_url_that_does_not_exist():
    assert not sorted(covered_keys() - url_keys())


def test_the_walk_sees_the_admin_allauth_and_the_sites_own_pages():
    keys = url_keys()

    assert {"admin:accounts_user_change", "admin:auth_user_password_change", "account_login", "mfa_index",
            "events:home", "city_logo"} <= keys
    assert len(keys) > 150


def _new_page(request):  # pragma: no cover - never requested
    raise AssertionError


urlpatterns = [*get_resolver().url_patterns, path("brand-new-page/", _new_page, name="brand_new_page")]


def test_a_new_page_without_a_matrix_entry_is_reported():
    assert url_keys(__name__) - covered_keys() == {"brand_new_page"}
