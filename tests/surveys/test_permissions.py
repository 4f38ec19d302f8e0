"""Who may open which survey page: every role × every page, as status codes and, for changes, their effect.

Riga's ended event has an open survey with enough answers for its results to show. Its city's
organizer and staff manage it and read its results; Ravenna's organizer sees nothing of them (404,
as for anyone else who may not read them). A respondent's link needs no login: the token is the
key, and it answers once.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from events.models import Event
from surveys.core import COMMENT, MET_DIFFERENT, SATISFACTION, USEFUL
from surveys.models import Survey, SurveyInvitation, SurveyQuestion, SurveyResponse
from surveys.services.surveys import AnswerValue, response_submit, survey_ensure
from tests.factories import EventFactory

ROLES = ["anonymous", "participant", "trainer", "organizer", "other_organizer", "staff"]

LOGIN = "login"  # a redirect to the login page
DONE = "done"  # the change was made (a redirect to the result)

MANAGERS = {"anonymous": LOGIN, "participant": 403, "trainer": 403, "organizer": 200, "other_organizer": 403,
            "staff": 200}
MANAGERS_DO = {**MANAGERS, "organizer": DONE, "staff": DONE}
# Results are the city's: whoever may not read them is told they do not exist.
READERS = {"anonymous": LOGIN, "participant": 404, "trainer": 404, "organizer": 200, "other_organizer": 404,
           "staff": 200}
EVERYONE = dict.fromkeys(ROLES, 200)


def _answers(survey, comment=""):
    q = {item.key: item for item in survey.questions.all()}
    values = [AnswerValue(question_id=q[SATISFACTION].pk, number=4), AnswerValue(question_id=q[USEFUL].pk, option="yes"),
              AnswerValue(question_id=q[MET_DIFFERENT].pk, option="yes")]
    return [*values, AnswerValue(question_id=q[COMMENT].pk, text=comment)] if comment else values


@pytest.fixture
def trainer(ended_event):
    from tests.factories import UserFactory

    user = UserFactory()
    ended_event.trainers.add(user)
    return user


@pytest.fixture
def matrix(open_survey, attendees, trainer, city):
    """The open survey with five answers (one a private remark), fresh links and a draft."""
    for token in [i.token for i in SurveyInvitation.objects.filter(survey=open_survey)][:2]:
        response_submit(token=token, answers=_answers(open_survey, comment="Private remark"), language="en")
    for _ in range(3):
        link = SurveyInvitation.objects.create(survey=open_survey, kind=SurveyInvitation.Kind.WALK_IN)
        response_submit(token=link.token, answers=_answers(open_survey), language="en")
    fresh = SurveyInvitation.objects.create(survey=open_survey, kind=SurveyInvitation.Kind.WALK_IN)
    answered = SurveyInvitation.objects.filter(survey=open_survey, answered=True).first()
    unsurveyed = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(hours=3))
    closed_event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(days=30))
    closed = survey_ensure(event=closed_event)
    Survey.objects.filter(pk=closed.pk).update(status=Survey.Status.CLOSED)
    closed_link = SurveyInvitation.objects.create(survey=closed, kind=SurveyInvitation.Kind.WALK_IN)
    draft = EventFactory(city=city, status=Event.Status.DRAFT)
    draft.trainers.add(trainer)
    survey_ensure(event=draft)  # its settings page is then only read
    return {
        "survey": open_survey, "event": open_survey.event, "session": open_survey.event.sessions.get(),
        "fresh": fresh.token, "answered": answered.token, "closed": closed_link.token, "unsurveyed": unsurveyed,
        "draft": draft, "useful": open_survey.questions.get(key=USEFUL),
    }


def _form(f):
    q = {item.key: item for item in f["survey"].questions.all()}
    return {f"q{q[SATISFACTION].pk}": "5", f"q{q[USEFUL].pk}": "partly", f"q{q[MET_DIFFERENT].pk}": "no"}


# (name, method, url(fixtures) -> str, data(fixtures) -> dict | None, expected per role)
PAGES = [
    # The respondent's link: no login, the token is the key
    ("survey form", "get", lambda f: reverse("surveys:respond", args=[f["fresh"]]), None, EVERYONE),
    ("answer the survey", "post", lambda f: reverse("surveys:respond", args=[f["fresh"]]), _form,
     dict.fromkeys(ROLES, DONE)),
    # An answered link thanks again and stores nothing, whoever follows it.
    ("answer again with a used link", "post", lambda f: reverse("surveys:respond", args=[f["answered"]]), _form,
     EVERYONE),
    ("survey form, unknown link", "get", lambda f: reverse("surveys:respond", args=["not-a-token"]), None,
     dict.fromkeys(ROLES, 404)),
    ("answer with an unknown link", "post", lambda f: reverse("surveys:respond", args=["not-a-token"]), _form,
     dict.fromkeys(ROLES, 404)),
    ("answer a closed survey", "post", lambda f: reverse("surveys:respond", args=[f["closed"]]), _form,
     dict.fromkeys(ROLES, 410)),
    # The room screen's QR code: every visitor gets a one-use link of their own
    ("walk-in link", "get", lambda f: reverse("surveys:walk_in", args=[f["session"].pk]), None,
     dict.fromkeys(ROLES, DONE)),
    ("walk-in link, no survey", "get",
     lambda f: reverse("surveys:walk_in", args=[f["unsurveyed"].sessions.get().pk]), None, dict.fromkeys(ROLES, 404)),
    # Managing the survey: the city's organizers and staff
    ("survey settings", "get", lambda f: reverse("surveys:manage", args=[f["event"].pk]), None, MANAGERS),
    ("save settings", "post", lambda f: reverse("surveys:manage", args=[f["event"].pk]),
     lambda f: {"open_days": "21", "first_reminder_days": "3", "second_reminder_days": "10"}, MANAGERS_DO),
    # A draft's existence is private: those who may not see it get 404, as on its other pages.
    ("survey settings of a draft", "get", lambda f: reverse("surveys:manage", args=[f["draft"].pk]), None,
     {**MANAGERS, "participant": 404, "trainer": 404, "other_organizer": 404}),
    ("add a question", "post", lambda f: reverse("surveys:question_add", args=[f["unsurveyed"].pk]),
     lambda f: {"kind": "yes_no", "label": "Would you come again?"}, MANAGERS_DO),
    # Once people have answered, the questions stay as they were: a redirect with a message.
    ("add a question after answers", "post", lambda f: reverse("surveys:question_add", args=[f["event"].pk]),
     lambda f: {"kind": "yes_no", "label": "Would you come again?"}, {**MANAGERS, "organizer": 302, "staff": 302}),
    ("open now", "post", lambda f: reverse("surveys:open", args=[f["unsurveyed"].pk]), lambda f: {}, MANAGERS_DO),
    ("open now by GET", "get", lambda f: reverse("surveys:open", args=[f["unsurveyed"].pk]), None,
     {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 405)}),
    # Results: the city's organizers and staff, nobody else
    ("results", "get", lambda f: reverse("surveys:results", args=[f["event"].pk]), None, READERS),
    ("results as CSV", "get", lambda f: reverse("surveys:results_export", args=[f["event"].pk, "csv"]), None, READERS),
    ("results as XLSX", "get", lambda f: reverse("surveys:results_export", args=[f["event"].pk, "xlsx"]), None,
     READERS),
    ("results in another format", "get", lambda f: reverse("surveys:results_export", args=[f["event"].pk, "json"]),
     None, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
    ("results chart", "get", lambda f: reverse("surveys:results_chart", args=[f["event"].pk, f["useful"].pk]), None,
     READERS),
    ("results of an event without a survey", "get", lambda f: reverse("surveys:results", args=[f["unsurveyed"].pk]),
     None, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 404)}),
]

EFFECTS = {
    "answer the survey": lambda f: SurveyResponse.objects.filter(survey=f["survey"]).count() == 6
    and SurveyInvitation.objects.get(token=f["fresh"]).answered,
    "walk-in link": lambda f: SurveyInvitation.objects.filter(kind=SurveyInvitation.Kind.WALK_IN).count() == 6,
    "save settings": lambda f: Survey.objects.get(pk=f["survey"].pk).open_days == 21,
    "add a question": lambda f: SurveyQuestion.objects.filter(survey__event=f["unsurveyed"], label="Would you come again?").exists(),
    "open now": lambda f: Survey.objects.get(event=f["unsurveyed"]).status == Survey.Status.OPEN,
}


def _snapshot():
    return (
        sorted(Survey.objects.values_list("pk", "event_id", "status", "open_days", "named")),
        sorted(SurveyQuestion.objects.values_list("pk", "survey_id", "label")),
        sorted(SurveyInvitation.objects.values_list("pk", "survey_id", "answered")),
        SurveyResponse.objects.count(),
    )


def _text(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row)
    return response.content.decode("utf-8-sig")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_role_page_matrix(client, matrix, attendees, trainer, organizer, other_organizer, admin_user,
                          role, page, method, url, data, expected):
    # The participant took part and was invited: still no reader of the results.
    user = {"anonymous": None, "participant": attendees[0], "trainer": trainer, "organizer": organizer,
            "other_organizer": other_organizer, "staff": admin_user}[role]
    if user is not None:
        client.force_login(user)
    before = _snapshot()

    response = client.post(url(matrix), data(matrix)) if method == "post" else client.get(url(matrix))

    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif want == DONE:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("account_login"))
        assert EFFECTS[page](matrix), "the allowed change was not made"
    else:
        assert response.status_code == want, (response.status_code, response.get("Location"))
    if want != DONE:
        assert _snapshot() == before, "a refused request changed a survey"
    if want == 200 and expected is READERS and page != "results chart":
        # Readers see the figures; the free-text remark only on the page, never in an export.
        assert ("Private remark" in _text(response)) is (page == "results")


# The URL names the rows above request (checked below), for the URL walk in tests/test_url_matrix.py.
COVERED_URL_NAMES = {
    "surveys:respond", "surveys:walk_in", "surveys:manage", "surveys:question_add", "surveys:open",
    "surveys:results", "surveys:results_export", "surveys:results_chart",
}


@pytest.mark.django_db
def test_the_matrix_requests_exactly_the_url_names_it_declares(matrix):
    from urllib.parse import urlsplit

    requested = {resolve(urlsplit(url(matrix)).path).view_name for _page, _method, url, _data, _expected in PAGES}

    assert requested == COVERED_URL_NAMES


@pytest.mark.django_db
def test_a_one_use_link_answers_once_whoever_holds_it(client, matrix, other_organizer):
    """The first answer is stored; a second visitor with the same link is thanked and stores nothing."""
    url = reverse("surveys:respond", args=[matrix["fresh"]])
    client.post(url, _form(matrix))
    client.force_login(other_organizer)

    page = client.post(url, {**_form(matrix), f"q{matrix['useful'].pk}": "no"})

    assert page.status_code == 200 and "Thank you" in page.content.decode()
    assert SurveyResponse.objects.filter(survey=matrix["survey"]).count() == 6
    assert not SurveyResponse.objects.filter(answers__question=matrix["useful"], answers__option="no").exists()
