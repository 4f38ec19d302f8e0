"""The event ends → the invitation email → a Swedish answer → the organizer's results and report, in a browser."""

import os
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events.models import Attendance
from surveys.models import SurveyInvitation, SurveyResponse
from surveys.services.surveys import AnswerValue, response_submit, surveys_tick
from tests.factories import EventFactory, OrganizerFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_answers_in_swedish_and_the_organizer_sees_results_after_the_fifth(page, live_server, login, city):
    organizer = OrganizerFactory(city=city)
    event = EventFactory(city=city, title="Grannar möts", sessions=1,
                         sessions__start=timezone.now() - timedelta(hours=3))
    session = event.sessions.get()
    swede = UserFactory(preferred_language="sv", full_name="Åsa Öberg")
    others = [UserFactory() for _ in range(4)]
    for user in [swede, *others]:
        registration = RegistrationFactory(event=event, user=user)
        Attendance.objects.create(session=session, registration=registration, present=True)

    surveys_tick()  # the periodic job: the event has ended
    invitation_mail = next(m for m in mail.outbox if swede.email in m.to)
    link = re.search(r"https?://\S+/surveys/s/\S+/", invitation_mail.body).group(0)

    login(swede)
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "sv"
    page.locator("fieldset").nth(0).locator("input[value='5']").check()
    page.locator("fieldset").nth(1).locator("input[value='partly']").check()
    page.locator("fieldset").nth(2).locator("input[value='yes']").check()
    page.locator("textarea").fill("Mycket bra, tack!")
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_load_state()
    assert SurveyResponse.objects.get().language == "sv"
    page.get_by_role("button", name=re.compile("Logga ut|Log out")).click()
    page.wait_for_load_state()

    survey = event.survey
    questions = {q.key: q for q in survey.questions.all()}
    remaining = list(SurveyInvitation.objects.filter(survey=survey, answered=False))
    for invitation in remaining[:3]:
        response_submit(token=invitation.token, language="en",
                        answers=[AnswerValue(question_id=questions["satisfaction"].pk, number=4)])
    login(organizer)
    page.goto(f"{live_server.url}/surveys/events/{event.pk}/survey/results/")
    assert "Results are shown from 5 responses on" in page.content()
    response_submit(token=remaining[3].token, language="en",
                    answers=[AnswerValue(question_id=questions["satisfaction"].pk, number=4)])
    page.reload()
    assert "Mycket bra, tack!" in page.content()
    assert "4.20" in page.content()

    page.goto(f"{live_server.url}/evidence/")
    page.locator("img[src*='chart/cities.svg']").first.wait_for()
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "evidence-dashboard.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#report-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
