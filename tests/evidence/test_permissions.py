"""Who may open which evidence page: every role × every page, as status codes and what each one shows.

Organizers see the figures of their own cities, staff every city's; an organizer of Ravenna sees
nothing of Riga, on the page, in its charts and in both reports, even when asking for Riga.
"""

from __future__ import annotations

import io

import pytest
from django.urls import resolve, reverse

from tests.evidence.test_dashboard import _held_event
from tests.factories import UserFactory

ROLES = ["anonymous", "participant", "trainer", "organizer", "other_organizer", "staff"]

LOGIN = "login"  # a redirect to the login page
ORGANIZERS = {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 200,
              "staff": 200}
# Which cities each role's 200 shows.
SHOWS = {"organizer": {"Riga"}, "other_organizer": {"Ravenna"}, "staff": {"Riga", "Ravenna"}}


@pytest.fixture
def figures(city, other_city):
    riga, _people = _held_event(city, people=6, present=5)
    _held_event(other_city, people=6, present=5)
    trainer = UserFactory()
    riga.trainers.add(trainer)
    return {"riga": city, "ravenna": other_city, "trainer": trainer}


# (name, url(fixtures) -> str, expected per role, whether the body names the cities shown)
PAGES = [
    ("dashboard", lambda f: reverse("evidence:dashboard"), ORGANIZERS, True),
    # Asking for another city by id is refused by the filter form: the user's own cities are shown.
    ("dashboard asking for Riga", lambda f: reverse("evidence:dashboard") + f"?city={f['riga'].pk}", ORGANIZERS, False),
    ("cities chart", lambda f: reverse("evidence:chart", args=["cities"]), ORGANIZERS, True),
    ("cities chart asking for Riga", lambda f: reverse("evidence:chart", args=["cities"]) + f"?city={f['riga'].pk}",
     ORGANIZERS, False),
    ("rates chart", lambda f: reverse("evidence:chart", args=["rates"]), ORGANIZERS, False),
    ("trend chart", lambda f: reverse("evidence:chart", args=["trend"]), ORGANIZERS, False),
    # No such chart is 404 for every signed-in user, before any permission is asked.
    ("unknown chart", lambda f: reverse("evidence:chart", args=["nope"]), {"anonymous": LOGIN,
     **dict.fromkeys(ROLES[1:], 404)}, False),
    ("XLSX report", lambda f: reverse("evidence:report_xlsx"), ORGANIZERS, True),
    ("XLSX report asking for Riga", lambda f: reverse("evidence:report_xlsx") + f"?city={f['riga'].pk}", ORGANIZERS,
     False),
    ("PDF report", lambda f: reverse("evidence:report_pdf"), ORGANIZERS, True),
]


def _text(response) -> str:
    kind = response["Content-Type"]
    if kind.startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row)
    if kind == "application/pdf":
        import pypdf

        return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "url", "expected", "names"), PAGES, ids=[p[0] for p in PAGES])
def test_role_page_matrix(client, figures, participant, organizer, other_organizer, admin_user,
                          role, page, url, expected, names):
    user = {"anonymous": None, "participant": participant, "trainer": figures["trainer"], "organizer": organizer,
            "other_organizer": other_organizer, "staff": admin_user}[role]
    if user is not None:
        client.force_login(user)

    response = client.get(url(figures))

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return
    assert response.status_code == want
    if want != 200:
        return
    assert response["Cache-Control"] == "private, no-store"
    text = _text(response)
    if role == "other_organizer":
        assert "Riga" not in text, "Ravenna's organizer sees Riga's figures"
    if names:
        assert all(name in text for name in SHOWS[role]), text[:2000]
        assert not [name for name in {"Riga", "Ravenna"} - SHOWS[role] if name in text]


# The URL names the rows above request (checked below), for the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {"evidence:dashboard", "evidence:chart", "evidence:report_xlsx", "evidence:report_pdf"}


@pytest.mark.django_db
def test_the_matrix_requests_exactly_the_url_names_it_declares(figures):
    from urllib.parse import urlsplit

    assert {resolve(urlsplit(url(figures)).path).view_name for _page, url, _e, _n in PAGES} == COVERED_URL_NAMES
