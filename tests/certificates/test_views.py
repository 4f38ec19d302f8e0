import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.models import Certificate, CertificateBatch
from certificates.services.certificates import certificate_issue, certificate_reissue, certificate_revoke
from events.models import Event
from tests.certificates.conftest import attend_all
from tests.factories import EventFactory, RegistrationFactory, UserFactory


@pytest.fixture
def certificate(holder_registration, trainer):
    return certificate_issue(registration=holder_registration, actor=trainer)


def _login(client, user):
    client.force_login(user)
    return client


# Who may do what -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 302),
        ("participant", 403),
        ("holder", 403),
        ("trainer", 200),
        ("other_trainer", 403),
        ("organizer", 200),
        ("other_organizer", 403),
        ("staff", 200),
    ],
)
def test_event_certificates_page_by_role(client, role, expected, past_event, certificate, trainer, request):
    users = {
        "participant": lambda: UserFactory(),
        "holder": lambda: certificate.holder,
        "trainer": lambda: trainer,
        "other_trainer": lambda: EventFactory(city=past_event.city).trainers.create(email="t2@example.org"),
        "organizer": lambda: request.getfixturevalue("organizer"),
        "other_organizer": lambda: request.getfixturevalue("other_organizer"),
        "staff": lambda: request.getfixturevalue("admin_user"),
    }
    if role != "anonymous":
        _login(client, users[role]())
    response = client.get(reverse("certificates:event", args=[past_event.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert certificate.number in response.content.decode()


LOGIN, DONE = "login", "done"
CERT_ROLES = ["anonymous", "participant", "holder", "trainer", "other_organizer", "organizer", "staff"]
# The event's trainers, its city's organizers and staff manage its certificates; the holder only
# sees their own; to anyone else a certificate does not exist (404), an event's pages are refused (403).
CHANGE = {"anonymous": LOGIN, "participant": 404, "holder": 403, "trainer": DONE, "other_organizer": 404,
          "organizer": DONE, "staff": DONE}
MANAGE = {"anonymous": LOGIN, "participant": 403, "holder": 403, "trainer": 200, "other_organizer": 403,
          "organizer": 200, "staff": 200}
ISSUE = {**MANAGE, **{role: DONE for role, want in MANAGE.items() if want == 200}}
DOWNLOAD = {"anonymous": LOGIN, "participant": 404, "holder": 200, "trainer": 200, "other_organizer": 404,
            "organizer": 200, "staff": 200}

# (name, method, url(objects), data, expected per role, effect(objects) for DONE)
CERTIFICATE_PAGES = [
    ("my certificates", "get", lambda o: reverse("certificates:mine"), None,
     {"anonymous": LOGIN, **dict.fromkeys(CERT_ROLES[1:], 200)}, None),
    ("revoke form", "get", lambda o: reverse("certificates:revoke", args=[o["certificate"].pk]), None,
     {**CHANGE, "trainer": 200, "organizer": 200, "staff": 200}, None),
    ("revoke", "post", lambda o: reverse("certificates:revoke", args=[o["certificate"].pk]), {"reason": "Typo in the name"},
     CHANGE, lambda o: Certificate.objects.get(pk=o["certificate"].pk).status == Certificate.Status.REVOKED),
    ("reissue", "post", lambda o: reverse("certificates:reissue", args=[o["certificate"].pk]), {}, CHANGE,
     lambda o: Certificate.objects.get(pk=o["certificate"].pk).status == Certificate.Status.SUPERSEDED),
    ("issue to everyone", "post", lambda o: reverse("certificates:batch_start", args=[o["event"].pk]), {}, ISSUE,
     lambda o: Certificate.objects.filter(registration=o["second"]).exists()),
    ("issue one", "post", lambda o: reverse("certificates:issue_one", args=[o["event"].pk, o["second"].pk]), {}, ISSUE,
     lambda o: Certificate.objects.filter(registration=o["second"]).exists()),
    ("batch page", "get", lambda o: reverse("certificates:batch_detail", args=[o["batch"].pk]), None, MANAGE, None),
    ("batch progress", "get", lambda o: reverse("certificates:batch_progress", args=[o["batch"].pk]), None, MANAGE, None),
    ("verify lookup", "get", lambda o: reverse("certificates:verify_lookup"), None, dict.fromkeys(CERT_ROLES, 200), None),
    ("verify", "get", lambda o: reverse("certificates:verify", args=[o["certificate"].code]), None,
     dict.fromkeys(CERT_ROLES, 200), None),
    # The holder's credential files, like the PDF: theirs and those who issue; nobody else's (404).
    ("credential JWT", "get", lambda o: reverse("certificates:credential_jwt", args=[o["certificate"].pk]), None,
     DOWNLOAD, None),
    ("credential JSON", "get", lambda o: reverse("certificates:credential_json", args=[o["certificate"].pk]), None,
     DOWNLOAD, None),
    ("badge image", "get", lambda o: reverse("certificates:badge", args=[o["certificate"].pk]), None, DOWNLOAD, None),
    # What verifiers read: public.
    ("status list", "get", lambda o: reverse("certificates:status_list", args=[1]), None,
     dict.fromkeys(CERT_ROLES, 200), None),
    ("status list JSON", "get", lambda o: reverse("certificates:status_list_json", args=[1]), None,
     dict.fromkeys(CERT_ROLES, 200), None),
    ("credential by verification code", "get",
     lambda o: reverse("certificates:verify_credential_json", args=[o["certificate"].code]), None,
     dict.fromkeys(CERT_ROLES, 200), None),
    ("public keys", "get", lambda o: reverse("jwks"), None, dict.fromkeys(CERT_ROLES, 200), None),
    # Checking a file changes nothing; without a file the form says what is missing.
    ("verify a file", "post", lambda o: reverse("certificates:verify_file"), {}, dict.fromkeys(CERT_ROLES, 400), None),
]


def _certificate_snapshot():
    return (
        sorted(Certificate.objects.values_list("pk", "status", "registration_id")),
        sorted(CertificateBatch.objects.values_list("pk", "status")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", CERT_ROLES)
@pytest.mark.parametrize(("page", "method", "url", "data", "expected", "effect"), CERTIFICATE_PAGES,
                         ids=[p[0] for p in CERTIFICATE_PAGES])
def test_certificate_pages_by_role(client, request, past_event, certificate, trainer, make_attendee, role, page,
                                   method, url, data, expected, effect):
    objects = {
        "event": past_event, "certificate": certificate, "second": make_attendee(full_name="Second Person"),
        "batch": CertificateBatch.objects.create(event=past_event, status=CertificateBatch.Status.DONE),
    }
    users = {
        "participant": lambda: UserFactory(),
        "holder": lambda: certificate.holder,
        "trainer": lambda: trainer,
        "organizer": lambda: request.getfixturevalue("organizer"),
        "other_organizer": lambda: request.getfixturevalue("other_organizer"),
        "staff": lambda: request.getfixturevalue("admin_user"),
    }
    if role != "anonymous":
        client.force_login(users[role]())
    before = _certificate_snapshot()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url(objects), data) if method == "post" else client.get(url(objects))

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code in (200, 302)
        assert effect(objects)
    else:
        assert response.status_code == want
    if want != DONE and method == "post":
        assert _certificate_snapshot() == before, "a refused request changed a certificate"


# The URL names this module's role tests request, for the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {
    "certificates:mine", "certificates:revoke", "certificates:reissue", "certificates:batch_start",
    "certificates:issue_one", "certificates:batch_detail", "certificates:batch_progress",
    "certificates:verify_lookup", "certificates:verify",
    "certificates:event",  # test_event_certificates_page_by_role
    "certificates:download",  # test_download_by_role
    "certificates:credential_jwt", "certificates:credential_json", "certificates:badge",
    "certificates:status_list", "certificates:status_list_json", "certificates:verify_credential_json",
    "certificates:verify_file", "jwks",
}


@pytest.mark.django_db
def test_the_matrix_requests_the_url_names_it_declares(past_event, certificate, make_attendee):
    from django.urls import resolve

    objects = {"event": past_event, "certificate": certificate, "second": make_attendee(full_name="Second"),
               "batch": CertificateBatch.objects.create(event=past_event, status=CertificateBatch.Status.DONE)}
    requested = {resolve(url(objects)).view_name for _page, _method, url, *_rest in CERTIFICATE_PAGES}

    assert requested | {"certificates:event", "certificates:download"} == COVERED_URL_NAMES


@pytest.mark.django_db
def test_trainer_of_event_a_cannot_issue_for_event_b(client, past_event, trainer, city):
    event_b = EventFactory(city=city)
    RegistrationFactory(event=event_b)
    response = _login(client, trainer).post(reverse("certificates:batch_start", args=[event_b.pk]))
    assert response.status_code == 403
    assert not CertificateBatch.objects.exists()


@pytest.mark.django_db
def test_organizer_of_another_city_cannot_issue_revoke_or_reissue(client, other_organizer, past_event, certificate):
    _login(client, other_organizer)
    assert client.post(reverse("certificates:batch_start", args=[past_event.pk])).status_code == 403
    registration = certificate.registration
    assert client.post(reverse("certificates:issue_one", args=[past_event.pk, registration.pk])).status_code == 403
    # Another city's certificate is not theirs to know about.
    assert client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("certificates:reissue", args=[certificate.pk])).status_code == 404
    certificate.refresh_from_db()
    assert certificate.is_valid


@pytest.mark.django_db
def test_draft_event_is_not_found_for_those_who_cannot_see_it(client, trainer, city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT)
    response = _login(client, UserFactory()).get(reverse("certificates:event", args=[draft.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, expected",
    [("holder", 200), ("participant", 404), ("trainer", 200), ("organizer", 200), ("other_organizer", 404),
     ("staff", 200)],
)
def test_download_by_role(client, role, expected, certificate, trainer, request):
    users = {
        "holder": lambda: certificate.holder,
        "participant": lambda: UserFactory(),
        "trainer": lambda: trainer,
        "organizer": lambda: request.getfixturevalue("organizer"),
        "other_organizer": lambda: request.getfixturevalue("other_organizer"),
        "staff": lambda: request.getfixturevalue("admin_user"),
    }
    response = _login(client, users[role]()).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert certificate.number in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_download_needs_login(client, certificate):
    response = client.get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# Participants ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_certificates_lists_only_mine(client, certificate, make_attendee, trainer):
    someone_else = certificate_issue(registration=make_attendee(full_name="Other Person"), actor=trainer)
    response = _login(client, certificate.holder).get(reverse("certificates:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert certificate.number in body
    assert reverse("certificates:download", args=[certificate.pk]) in body
    assert someone_else.number not in body


@pytest.mark.django_db
def test_navigation_offers_my_certificates(client, participant):
    body = _login(client, participant).get(reverse("events:home")).content.decode()
    assert reverse("certificates:mine") in body


# Trainers -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_event_page_costs_the_same_queries_for_few_or_many_participants(client, past_event, trainer, make_attendee):
    for i in range(2):
        certificate_issue(registration=make_attendee(full_name=f"Early {i}"), actor=trainer)
    _login(client, trainer)
    url = reverse("certificates:event", args=[past_event.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        certificate_issue(registration=make_attendee(full_name=f"Late {i}"), actor=trainer)
    RegistrationFactory(event=past_event)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)


@pytest.mark.django_db
def test_issue_all_starts_a_job_and_shows_its_progress(client, past_event, trainer, make_attendee,
                                                       django_capture_on_commit_callbacks):
    for i in range(3):
        make_attendee(full_name=f"Person {i}")
    _login(client, trainer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("certificates:batch_start", args=[past_event.pk]))
    batch = CertificateBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:batch_detail", args=[batch.pk])

    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>: the page follows progress without JS
    assert reverse("certificates:batch_progress", args=[batch.pk]) in page
    assert client.get(reverse("certificates:batch_progress", args=[batch.pk])).json() == {
        "status": "pending", "status_label": "Waiting to start", "total": 3, "done": 0, "issued": 0, "percent": 0,
        "finished": False, "message": "0 of 3 processed, 0 certificates issued.",
    }


@pytest.mark.django_db(transaction=True)
def test_issue_all_issues_to_everyone_and_twice_changes_nothing(client, past_event, trainer, make_attendee):
    for i in range(3):
        make_attendee(full_name=f"Person {i}")
    _login(client, trainer)
    response = client.post(reverse("certificates:batch_start", args=[past_event.pk]), follow=True)
    assert response.status_code == 200
    progress = client.get(reverse("certificates:batch_progress", args=[CertificateBatch.objects.get().pk])).json()
    assert (progress["status"], progress["done"], progress["issued"], progress["finished"]) == ("done", 3, 3, True)

    again = client.post(reverse("certificates:batch_start", args=[past_event.pk]), follow=True)
    assert "Nothing was issued" in again.content.decode()
    assert Certificate.objects.count() == 3


@pytest.mark.django_db
def test_batch_progress_of_another_event_is_forbidden(client, past_event, other_organizer):
    batch = CertificateBatch.objects.create(event=past_event, total=3)
    response = _login(client, other_organizer).get(reverse("certificates:batch_progress", args=[batch.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_issue_one_refuses_with_a_message_when_not_eligible(client, past_event, trainer):
    registration = RegistrationFactory(event=past_event)
    response = _login(client, trainer).post(
        reverse("certificates:issue_one", args=[past_event.pk, registration.pk]), follow=True
    )
    assert response.status_code == 200
    assert "0 of 2 sessions" in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_reissue_from_the_page_supersedes(client, certificate, trainer):
    response = _login(client, trainer).post(reverse("certificates:reissue", args=[certificate.pk]), follow=True)
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert certificate.replaced_by.is_valid


@pytest.mark.django_db
def test_revoke_asks_for_a_reason(client, certificate, trainer):
    _login(client, trainer)
    url = reverse("certificates:revoke", args=[certificate.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid
    response = client.post(url, {"reason": "Registered twice."})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


@pytest.mark.django_db
def test_holder_cannot_revoke_their_own_certificate(client, certificate):
    response = _login(client, certificate.holder).post(
        reverse("certificates:revoke", args=[certificate.pk]), {"reason": "I want to"}
    )
    assert response.status_code == 403


# Public verification -------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_valid_shows_only_what_the_certificate_says(client, certificate):
    response = client.get(reverse("certificates:verify", args=[certificate.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in body
    assert "Łucja Ștefănescu-Åström" in body
    assert certificate.event_title in body and "Riga" in body
    assert certificate.holder.email not in body


@pytest.mark.django_db
def test_verify_revoked_shows_date_and_reason(client, certificate, trainer):
    certificate_revoke(certificate=certificate, actor=trainer, reason="Attendance was recorded by mistake.")
    body = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert "Revoked certificate" in body
    assert "Attendance was recorded by mistake." in body
    assert "Valid certificate" not in body


@pytest.mark.django_db
def test_verify_superseded_links_to_the_new_certificate(client, certificate, trainer):
    new = certificate_reissue(certificate=certificate, actor=trainer)
    body = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert "Superseded certificate" in body
    assert reverse("certificates:verify", args=[new.code]) in body


@pytest.mark.django_db
def test_verify_unknown_code(client):
    response = client.get(reverse("certificates:verify", args=["AAAAAAAAAAAAAAAA"]))
    assert response.status_code == 404
    assert "Unknown code" in response.content.decode()


@pytest.mark.django_db
def test_typed_code_or_pasted_address_leads_to_the_verification(client, certificate):
    lookup = reverse("certificates:verify_lookup")
    target = reverse("certificates:verify", args=[certificate.code])
    assert client.get(lookup, {"code": f"  {certificate.code} "})["Location"] == target
    assert client.get(lookup, {"code": certificate.verification_url})["Location"] == target
    response = client.get(lookup, {"code": "not a code!"})
    assert response.status_code == 200
    assert "does not look like a verification code" in response.content.decode()


@pytest.mark.django_db
def test_verification_is_rate_limited_per_address(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    url = reverse("certificates:verify", args=[certificate.code])
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()
    assert response["Retry-After"]
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


@pytest.mark.django_db
def test_attendance_recorded_later_makes_someone_issuable_from_the_page(client, past_event, trainer):
    registration = RegistrationFactory(event=past_event, user=UserFactory(full_name="Late Comer"))
    _login(client, trainer)
    url = reverse("certificates:issue_one", args=[past_event.pk, registration.pk])
    client.post(url)
    assert not Certificate.objects.exists()
    attend_all(registration)
    client.post(url)
    assert Certificate.objects.get().holder_name == "Late Comer"


@pytest.mark.django_db
def test_platform_admin_revokes_from_the_admin_with_a_reason(client, admin_user, certificate):
    _login(client, admin_user)
    changelist = reverse("admin:certificates_certificate_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist,
        {"action": "revoke", "_selected_action": [certificate.pk], "reason": "Issued to the wrong person."},
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == "Issued to the wrong person."


@pytest.mark.django_db
def test_event_staff_navigation_links_to_the_certificates_page(client, past_event, trainer):
    body = _login(client, trainer).get(past_event.get_absolute_url()).content.decode()
    assert reverse("certificates:event", args=[past_event.pk]) in body


@pytest.mark.django_db
def test_a_revoked_certificate_is_not_handed_to_its_holder_as_if_valid(client, certificate, trainer):
    certificate_revoke(certificate=certificate, actor=trainer, reason="Attendance sheet was forged")
    url = reverse("certificates:download", args=[certificate.pk])

    response = _login(client, certificate.holder).get(url)
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert "This certificate was revoked" in page
    assert certificate.number in page
    assert "Attendance sheet was forged" in page

    # Those who issue keep the file for the record.
    response = _login(client, trainer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_issue_one_tells_the_trainer_whose_name_cannot_be_printed(client, past_event, trainer):
    registration = attend_all(RegistrationFactory(event=past_event, user=UserFactory(full_name="Mei \ue000 Lin")))
    response = _login(client, trainer).post(
        reverse("certificates:issue_one", args=[past_event.pk, registration.pk]), follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The certificate for Mei \ue000 Lin was not issued" in page
    assert "U+E000" in page
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_nothing_to_issue_shows_a_sentence_not_an_issue_0_button(client, past_event, certificate, trainer):
    _login(client, trainer)
    page = client.get(reverse("certificates:event", args=[past_event.pk])).content.decode()
    assert "Issue 0" not in page
    assert "Nobody is waiting for a certificate" in page


@pytest.mark.django_db
def test_issue_button_counts_people_in_the_singular(client, past_event, holder_registration, trainer):
    _login(client, trainer)
    page = client.get(reverse("certificates:event", args=[past_event.pk])).content.decode()
    assert "Issue 1 certificate\n" in page or "Issue 1 certificate<" in page or "Issue 1 certificate " in page
    assert "Issue 1 certificates" not in page
