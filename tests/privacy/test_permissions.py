"""Who may open which privacy page and do what there: every role × every page, as status codes.

The "My data" pages act on the signed-in person's own data only: the participant holds a consent, a
demographic answer, a ready export and a pending deletion, and nobody else's request touches them.
A city's privacy page is public; its retention policy and its wording are for Riga's organizer and
staff. The export link works only for its owner, signed in; the deletion's undo link, emailed, is a
one-use secret that works for whoever holds it (as the personal calendar feed's token does).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import resolve, reverse
from django.utils import timezone

from privacy.models import (
    Consent,
    ConsentText,
    DataExport,
    DeletionRequest,
    DemographicProfile,
    Purpose,
    RetentionPolicy,
)
from privacy.services.consents import consent_give
from privacy.services.deletion import token_hash
from privacy.services.exports import _hash as export_hash
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "trainer", "organizer", "other_organizer", "staff"]

LOGIN = "login"  # a redirect to the login page
DONE = "done"  # the change was made, on the acting person's own data only
IGNORED = "ignored"  # sent back to "My data" (302) and nothing changed: the target is not theirs

EXPORT_TOKEN = "the-participants-export-token"
UNDO_TOKEN = "the-participants-undo-token"
WORDING = {"version": "2027-01", "text": "Riga's own notice"}
RETENTION = {"registration_months": "6", "sensitive_answer_months": "1", "email_body_days": "30", "survey_token_days": "30"}

SIGNED_IN = dict.fromkeys(ROLES[1:], DONE)
CITY_MANAGERS = {"anonymous": LOGIN, "participant": 404, "trainer": 404, "organizer": 200, "other_organizer": 404, "staff": 200}
CITY_MANAGERS_ACT = {**CITY_MANAGERS, "organizer": DONE, "staff": DONE}

# (name, method, url(fixtures) -> str, data(fixtures) -> dict | None, expected per role)
PAGES = [
    ("my data", "get", lambda f: reverse("privacy:my_data"), None, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}),
    ("give a consent", "post", lambda f: reverse("privacy:consent_give"), lambda f: {"purpose": "invitations"},
     {"anonymous": LOGIN, **SIGNED_IN}),
    (
        "withdraw the participant's consent", "post",
        lambda f: reverse("privacy:consent_withdraw", args=[f["consent"].pk]), lambda f: {},
        {"anonymous": LOGIN, "participant": DONE, **dict.fromkeys(ROLES[2:], IGNORED)},
    ),
    (
        "save demographic answers", "post", lambda f: reverse("privacy:demographics"),
        lambda f: {"age_band": "25-34", "gender": "prefer_not", "consent": "on"}, {"anonymous": LOGIN, **SIGNED_IN},
    ),
    (
        # Only the participant has answers to delete; for the others there is nothing to change.
        "delete demographic answers", "post", lambda f: reverse("privacy:demographics"), lambda f: {"action": "delete"},
        {"anonymous": LOGIN, "participant": DONE, **dict.fromkeys(ROLES[2:], IGNORED)},
    ),
    ("request an export", "post", lambda f: reverse("privacy:export_request"), lambda f: {},
     {"anonymous": LOGIN, **SIGNED_IN}),
    (
        "download the participant's export", "get", lambda f: reverse("privacy:export_download", args=[EXPORT_TOKEN]),
        None, {"anonymous": LOGIN, "participant": DONE, **dict.fromkeys(ROLES[2:], 404)},
    ),
    (
        "download with a wrong token", "get", lambda f: reverse("privacy:export_download", args=["not-a-token"]), None,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404)},
    ),
    (
        "request a deletion", "post", lambda f: reverse("privacy:delete_request"),
        lambda f: {"certificates": "keep", "confirm": "on"}, {"anonymous": LOGIN, **SIGNED_IN},
    ),
    (
        "cancel a deletion", "post", lambda f: reverse("privacy:delete_cancel"), lambda f: {},
        {"anonymous": LOGIN, "participant": DONE, **dict.fromkeys(ROLES[2:], IGNORED)},
    ),
    # The emailed undo link: a GET (a mail scanner's) changes nothing; the button keeps the account.
    ("undo link", "get", lambda f: reverse("privacy:delete_undo", args=[UNDO_TOKEN]), None, dict.fromkeys(ROLES, 200)),
    ("undo by the link", "post", lambda f: reverse("privacy:delete_undo", args=[UNDO_TOKEN]), lambda f: {},
     dict.fromkeys(ROLES, DONE)),
    ("undo with a wrong token", "post", lambda f: reverse("privacy:delete_undo", args=["not-a-token"]), lambda f: {},
     dict.fromkeys(ROLES, 200)),
    # A city's privacy page: public; its retention policy is its managers'.
    ("city privacy page", "get", lambda f: reverse("privacy:city", args=["riga"]), None, dict.fromkeys(ROLES, 200)),
    (
        "set the retention policy", "post", lambda f: reverse("privacy:city", args=["riga"]), lambda f: RETENTION,
        {**dict.fromkeys(ROLES, 404), "organizer": DONE, "staff": DONE},
    ),
    ("city wording form", "get", lambda f: reverse("privacy:city_wording", args=["riga", "notice"]), None, CITY_MANAGERS),
    ("save the city wording", "post", lambda f: reverse("privacy:city_wording", args=["riga", "notice"]),
     lambda f: WORDING, CITY_MANAGERS_ACT),
    (
        "wording of an unknown text", "get", lambda f: reverse("privacy:city_wording", args=["riga", "no-such-text"]),
        None, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404)},
    ),
]

# The state each allowed change leaves behind for the acting person ``f["user"]``.
EFFECTS = {
    "give a consent": lambda f: Consent.objects.active().filter(user=f["user"], purpose="invitations").exists(),
    "withdraw the participant's consent": lambda f: not Consent.objects.active().filter(pk=f["consent"].pk).exists(),
    "save demographic answers": lambda f: DemographicProfile.objects.filter(user=f["user"], age_band="25-34").exists(),
    "delete demographic answers": lambda f: not DemographicProfile.objects.filter(user=f["user"]).exists(),
    "request an export": lambda f: DataExport.objects.filter(user=f["user"], status="pending").exists(),
    "download the participant's export": lambda f: DataExport.objects.get(pk=f["export"].pk).downloaded_at is not None,
    "request a deletion": lambda f: DeletionRequest.objects.filter(user=f["user"], status="pending").exists(),
    "cancel a deletion": lambda f: DeletionRequest.objects.get(pk=f["deletion"].pk).status == "undone",
    "undo by the link": lambda f: DeletionRequest.objects.get(pk=f["deletion"].pk).status == "undone",
    "set the retention policy": lambda f: RetentionPolicy.objects.get(city=f["city"]).registration_months == 6,
    "save the city wording": lambda f: ConsentText.objects.filter(city=f["city"], kind="notice", version="2027-01").exists(),
}


def _snapshot(*, but=None):
    """Every privacy row; with ``but``, the people's rows but that person's (a city's rows are its managers')."""
    mine = {"user": but} if but is not None else {}

    def rows(model, *fields):
        queryset = model.objects.exclude(**mine) if mine else model.objects.all()
        return sorted(queryset.values_list("pk", *fields))

    people = (
        rows(Consent, "user_id", "purpose", "city_id", "withdrawn_at"),
        rows(DemographicProfile, "user_id", "age_band", "gender", "gender_self_description"),
        rows(DataExport, "user_id", "status", "downloaded_at"),
        rows(DeletionRequest, "user_id", "status"),
    )
    if mine:
        return people
    return (
        *people,
        sorted(ConsentText.objects.values_list("pk", "city_id", "kind", "version", "text")),
        sorted(RetentionPolicy.objects.values_list("pk", "city_id", "registration_months")),
    )


@pytest.fixture
def user_for(city, participant, organizer, other_organizer, admin_user):
    trainer = UserFactory()
    EventFactory(city=city).trainers.add(trainer)
    return {
        "anonymous": None, "participant": participant, "trainer": trainer, "organizer": organizer,
        "other_organizer": other_organizer, "staff": admin_user,
    }


@pytest.fixture
def matrix_fixtures(city, participant):
    """The participant's consent, demographic answers, ready export (with its file) and pending deletion."""
    now = timezone.now()
    path = default_storage.save("exports/participant.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return {
        "city": city,
        "participant": participant,
        "consent": consent_give(user=participant, purpose=Purpose.PHOTOS, how=Consent.How.MY_DATA),
        "profile": DemographicProfile.objects.create(
            user=participant, age_band="45-54", gender="self", gender_self_description="the participant's own words"
        ),
        "export": DataExport.objects.create(
            user=participant, token_hash=export_hash(EXPORT_TOKEN), status=DataExport.Status.READY, file_path=path,
            ready_at=now, expires_at=now + timedelta(days=7),
        ),
        "deletion": DeletionRequest.objects.create(
            user=participant, undo_token_hash=token_hash(UNDO_TOKEN), due_at=now + timedelta(days=7)
        ),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_role_page_matrix(client, matrix_fixtures, user_for, role, page, method, url, data, expected):
    user = user_for[role]
    fixtures = {**matrix_fixtures, "user": user}
    if user is not None:
        client.force_login(user)
    before = _snapshot()
    others_before = _snapshot(but=user)

    if method == "post":
        response = client.post(url(fixtures), data(fixtures))
    else:
        response = client.get(url(fixtures))
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end, so the file is closed

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_login"))
        assert EFFECTS[page](fixtures)
        if user is not None and page != "undo by the link":
            assert _snapshot(but=user) == others_before, "the change reached someone else's data"
    elif want == IGNORED:
        assert response.status_code == 302
        assert response["Location"] == reverse("privacy:my_data")
    else:
        assert response.status_code == want
    if want != DONE:
        assert _snapshot() == before, "a refused request changed privacy data"


@pytest.mark.parametrize("role", ROLES[1:])
def test_my_data_shows_only_ones_own_data(client, matrix_fixtures, user_for, role):
    client.force_login(user_for[role])

    page = client.get(reverse("privacy:my_data")).content.decode()

    assert ("the participant&#x27;s own words" in page) == (role == "participant")
    assert (reverse("privacy:consent_withdraw", args=[matrix_fixtures["consent"].pk]) in page) == (role == "participant")


def test_the_export_file_is_served_to_its_owner(client, matrix_fixtures):
    client.force_login(matrix_fixtures["participant"])

    response = client.get(reverse("privacy:export_download", args=[EXPORT_TOKEN]))

    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content).startswith(b"PK")


# The URL names the rows above request (checked below), for the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {
    "privacy:my_data", "privacy:consent_give", "privacy:consent_withdraw", "privacy:demographics",
    "privacy:export_request", "privacy:export_download", "privacy:delete_request", "privacy:delete_cancel",
    "privacy:delete_undo", "privacy:city", "privacy:city_wording",
}


def test_the_matrix_requests_exactly_the_url_names_it_declares(matrix_fixtures, participant):
    fixtures = {**matrix_fixtures, "user": participant}
    requested = {resolve(url(fixtures)).view_name for _page, _method, url, _data, _expected in PAGES}

    assert requested == COVERED_URL_NAMES
