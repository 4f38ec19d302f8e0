from datetime import timedelta

import pytest
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Registration
from outbox.models import OutgoingEmail
from surveys.core import COMMENT, MET_DIFFERENT, SATISFACTION, USEFUL
from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from surveys.services.surveys import (
    AnswerValue,
    SurveyError,
    question_add,
    response_submit,
    survey_ensure,
    survey_invite,
    survey_remind,
    surveys_tick,
)
from tests.concurrency import run_together
from tests.factories import EventFactory, RegistrationFactory, UserFactory


def _answers(survey, satisfaction=4, useful="yes", comment=""):
    q = {item.key: item for item in survey.questions.all()}
    values = [AnswerValue(question_id=q[SATISFACTION].pk, number=satisfaction),
              AnswerValue(question_id=q[USEFUL].pk, option=useful),
              AnswerValue(question_id=q[MET_DIFFERENT].pk, option="yes")]
    if comment:
        values.append(AnswerValue(question_id=q[COMMENT].pk, text=comment))
    return values


def _walk_in_tokens(survey, n):
    return [SurveyInvitation.objects.create(survey=survey, kind=SurveyInvitation.Kind.WALK_IN).token for _ in range(n)]


@pytest.mark.django_db
def test_the_job_opens_the_survey_when_the_last_session_ends_and_invites_those_present(
    ended_event, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = surveys_tick()
    assert done["opened"] == 1
    survey = Survey.objects.get(event=ended_event)
    assert survey.status == Survey.Status.OPEN
    assert survey.closes_at - survey.opens_at == timedelta(days=14)
    assert [q.key for q in survey.questions.all()] == [SATISFACTION, USEFUL, MET_DIFFERENT, COMMENT]
    invited = set(SurveyInvitation.objects.filter(survey=survey).values_list("user", flat=True))
    assert invited == {u.pk for u in attendees}  # not the confirmed participant who stayed away
    emails = OutgoingEmail.objects.filter(template="survey_invitation")
    assert emails.count() == 3
    swedish = emails.get(user=attendees[0])
    assert swedish.language == "sv"
    # The personal link is a secret: not kept in the stored body once sent.
    token = SurveyInvitation.objects.get(user=attendees[0]).token
    assert token not in swedish.body_text
    # A second run sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        surveys_tick()
    survey_invite(survey_id=survey.pk)
    assert OutgoingEmail.objects.filter(template="survey_invitation").count() == 3


@pytest.mark.django_db
def test_without_attendance_confirmed_participants_are_invited(city, django_capture_on_commit_callbacks):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(hours=5))
    confirmed = RegistrationFactory(event=event)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        surveys_tick()
    assert list(SurveyInvitation.objects.values_list("user", flat=True)) == [confirmed.user_id]


@pytest.mark.django_db
def test_reminders_go_only_to_non_respondents_at_most_twice_and_never_twice(open_survey, attendees):
    answered = SurveyInvitation.objects.get(user=attendees[1])
    response_submit(token=answered.token, answers=_answers(open_survey), language="en")
    start = open_survey.opens_at
    assert survey_remind(survey=open_survey, now=start + timedelta(days=1)) == 0
    assert survey_remind(survey=open_survey, now=start + timedelta(days=3, hours=1)) == 2
    assert survey_remind(survey=open_survey, now=start + timedelta(days=3, hours=2)) == 0
    assert survey_remind(survey=open_survey, now=start + timedelta(days=10, hours=1)) == 2
    assert survey_remind(survey=open_survey, now=start + timedelta(days=12)) == 0
    reminded = set(OutgoingEmail.objects.filter(template="survey_reminder").values_list("user", flat=True))
    assert reminded == {attendees[0].pk, attendees[2].pk}
    assert OutgoingEmail.objects.filter(template="survey_reminder").count() == 4


@pytest.mark.django_db
def test_the_job_closes_the_survey_after_its_period(open_survey):
    surveys_tick(now=open_survey.closes_at + timedelta(minutes=1))
    open_survey.refresh_from_db()
    assert open_survey.status == Survey.Status.CLOSED


def test_a_response_has_no_link_to_a_person_and_no_time():
    for model in (SurveyResponse, SurveyAnswer):
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateTimeField), field
            if field.is_relation and field.many_to_one:
                assert field.related_model.__name__ not in ("Registration", "SurveyInvitation"), field
    related = [f.name for f in SurveyResponse._meta.get_fields() if f.is_relation and f.many_to_one]
    assert sorted(related) == ["respondent", "survey"]  # respondent: named surveys only
    assert isinstance(SurveyResponse._meta.pk, models.UUIDField)
    assert isinstance(SurveyAnswer._meta.pk, models.UUIDField)
    assert not any(f.name in ("answered_at", "updated_at") for f in SurveyInvitation._meta.get_fields())


@pytest.mark.django_db
def test_anonymous_response_keeps_no_respondent_and_named_one_does(open_survey, attendees):
    invitation = SurveyInvitation.objects.get(user=attendees[0])
    response = response_submit(token=invitation.token, answers=_answers(open_survey), language="sv")
    assert response.respondent is None
    assert isinstance(response.submitted_on, type(timezone.localdate()))
    invitation.refresh_from_db()
    assert invitation.answered
    open_survey.named = True
    open_survey.save()
    other = SurveyInvitation.objects.get(user=attendees[1])
    with pytest.raises(SurveyError):
        response_submit(token=other.token, answers=_answers(open_survey), language="en")
    named = response_submit(token=other.token, answers=_answers(open_survey), language="en", named_confirmed=True)
    assert named.respondent == attendees[1]


@pytest.mark.django_db
def test_a_token_answers_once(open_survey, attendees):
    token = SurveyInvitation.objects.get(user=attendees[0]).token
    response_submit(token=token, answers=_answers(open_survey), language="en")
    with pytest.raises(SurveyError):
        response_submit(token=token, answers=_answers(open_survey), language="en")
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_token_make_one_response(city):
    event = EventFactory(city=city, sessions=1, sessions__start=timezone.now() - timedelta(hours=3))
    survey = survey_ensure(event=event)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN, opens_at=timezone.now(),
                                               closes_at=timezone.now() + timedelta(days=1))
    survey.refresh_from_db()
    token = _walk_in_tokens(survey, 1)[0]
    answers = _answers(survey)

    def job():
        try:
            return response_submit(token=token, answers=answers, language="en")
        except SurveyError:
            return None

    results, errors = run_together([job] * 20)
    # SQLite may refuse some writers as locked; none may write a second response.
    assert connection.vendor != "postgresql" or not errors
    assert len([r for r in results if r is not None]) == 1
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_question_labels_translate_and_answers_in_two_languages_add_up(open_survey, client, organizer):
    question = question_add(survey=open_survey, kind=SurveyQuestion.Kind.SINGLE, label="Which part did you like?",
                            options=["Talks", "Games"])
    question.label_translations = {"sv": "Vilken del tyckte du om?"}
    question.options[1]["translations"] = {"sv": "Spel"}
    question.save()
    assert question.label_for("sv") == "Vilken del tyckte du om?"
    assert question.options_for("sv")[1] == ("o2", "Spel")
    assert question.label_for("lv") == "Which part did you like?"
    tokens = _walk_in_tokens(open_survey, 5)
    for index, token in enumerate(tokens):
        page = client.get(reverse("surveys:respond", args=[token]), HTTP_ACCEPT_LANGUAGE="sv" if index % 2 else "en")
        assert page.status_code == 200
        response_submit(token=token, answers=[*_answers(open_survey), AnswerValue(question_id=question.pk, option="o2")],
                        language="sv" if index % 2 else "en")
    client.force_login(organizer)
    page = client.get(reverse("surveys:results", args=[open_survey.event.pk]))
    text = page.content.decode()
    assert "Games" in text
    assert SurveyAnswer.objects.filter(question=question, option="o2").count() == 5


@pytest.mark.django_db
def test_the_respondent_form_stores_the_answers(open_survey, client):
    token = _walk_in_tokens(open_survey, 1)[0]
    q = {item.key: item for item in open_survey.questions.all()}
    page = client.post(reverse("surveys:respond", args=[token]), {
        f"q{q[SATISFACTION].pk}": "5", f"q{q[USEFUL].pk}": "partly", f"q{q[MET_DIFFERENT].pk}": "no",
        f"q{q[COMMENT].pk}": "Très bien",
    }, follow=True)
    assert "Thank you" in page.content.decode()
    assert SurveyAnswer.objects.filter(option="partly").count() == 1
    assert SurveyAnswer.objects.get(question=q[COMMENT]).text == "Très bien"
    again = client.get(reverse("surveys:respond", args=[token]))
    assert "Thank you" in again.content.decode()


@pytest.mark.django_db
def test_results_need_five_responses_and_free_texts_too(open_survey, client, organizer):
    client.force_login(organizer)
    url = reverse("surveys:results", args=[open_survey.event.pk])
    tokens = _walk_in_tokens(open_survey, 5)
    for token in tokens[:4]:
        response_submit(token=token, answers=_answers(open_survey, comment="Secret remark"), language="en")
    page = client.get(url).content.decode()
    assert "Secret remark" not in page and "Results are shown from 5 responses on" in page
    assert client.get(reverse("surveys:results_export", args=[open_survey.event.pk, "csv"])).status_code == 404
    response_submit(token=tokens[4], answers=_answers(open_survey, satisfaction=2), language="en")
    page = client.get(url).content.decode()
    assert "Secret remark" in page
    assert "3.60" in page  # (4 × 4 + 2) / 5
    useful = open_survey.questions.get(key=USEFUL)
    chart = client.get(reverse("surveys:results_chart", args=[open_survey.event.pk, useful.pk]))
    assert chart["Content-Type"] == "image/svg+xml" and b"<script" not in chart.content
    csv = client.get(reverse("surveys:results_export", args=[open_survey.event.pk, "csv"])).content.decode("utf-8-sig")
    assert "3.6" in csv and "Secret remark" not in csv


@pytest.mark.django_db
def test_threshold_setting_never_goes_below_three(settings):
    from surveys.results import min_responses

    settings.SURVEY_MIN_RESPONSES = 1
    assert min_responses() == 3


@pytest.mark.django_db
def test_exports_of_anonymous_results_hold_no_person(open_survey, client, organizer, attendees):
    for invitation in SurveyInvitation.objects.filter(survey=open_survey):
        response_submit(token=invitation.token, answers=_answers(open_survey), language="en")
    for token in _walk_in_tokens(open_survey, 2):
        response_submit(token=token, answers=_answers(open_survey), language="en")
    client.force_login(organizer)
    body = client.get(reverse("surveys:results_export", args=[open_survey.event.pk, "csv"])).content.decode("utf-8-sig")
    for person in attendees:
        assert person.email not in body and person.full_name not in body
    assert not SurveyResponse.objects.filter(respondent__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [
    ("organizer", 200), ("admin_user", 200), ("other_organizer", 404), ("participant", 404), (None, 302),
])
def test_results_role_matrix(open_survey, client, request, who, status):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("surveys:results", args=[open_survey.event.pk])).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("organizer", 200), ("other_organizer", 403), ("participant", 403)])
def test_survey_management_role_matrix(ended_event, client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("surveys:manage", args=[ended_event.pk])).status_code == status


@pytest.mark.django_db
def test_organizer_adds_a_matrix_question(ended_event, client, organizer):
    client.force_login(organizer)
    client.post(reverse("surveys:question_add", args=[ended_event.pk]), {
        "kind": "matrix", "label": "Rate the parts", "rows": "Talks\nFood",
    })
    question = SurveyQuestion.objects.get(label="Rate the parts")
    assert [r["id"] for r in question.rows] == ["r1", "r2"]


@pytest.mark.django_db
def test_room_screen_offers_a_one_use_link_to_walk_ins(open_survey, client, organizer):
    session = open_survey.event.sessions.get()
    client.force_login(organizer)
    page = client.get(reverse("attendance:room", args=[session.pk]))
    assert 'id="room-survey"' in page.content.decode()
    visitor = client.__class__()
    first = visitor.get(reverse("surveys:walk_in", args=[session.pk]))
    again = visitor.get(reverse("surveys:walk_in", args=[session.pk]))
    assert first.url == again.url  # the same visitor keeps their link
    other = client.__class__().get(reverse("surveys:walk_in", args=[session.pk]))
    assert other.url != first.url
    assert SurveyInvitation.objects.filter(kind=SurveyInvitation.Kind.WALK_IN).count() == 2


@pytest.mark.django_db
def test_my_registrations_lists_open_surveys(open_survey, client, attendees):
    client.force_login(attendees[0])
    page = client.get(reverse("registrations:my_registrations")).content.decode()
    token = SurveyInvitation.objects.get(user=attendees[0]).token
    with translation.override(attendees[0].preferred_language or "en"):
        label = gettext("Answer the survey")  # the page is in the participant's language
    assert label in page and token in page
    response_submit(token=token, answers=_answers(open_survey), language="sv")
    after = client.get(reverse("registrations:my_registrations")).content.decode()
    assert label not in after and token not in after


@pytest.mark.django_db
def test_a_walk_in_on_a_closed_survey_is_told_so(open_survey, client):
    token = _walk_in_tokens(open_survey, 1)[0]
    Survey.objects.filter(pk=open_survey.pk).update(status=Survey.Status.CLOSED)
    assert client.get(reverse("surveys:respond", args=[token])).status_code == 410
    with pytest.raises(SurveyError):
        response_submit(token=token, answers=[], language="en")
    assert UserFactory  # factories importable for other modules


@pytest.mark.django_db
def test_organizer_types_translations_of_a_question(ended_event, client, organizer):
    client.force_login(organizer)
    client.post(reverse("surveys:question_add", args=[ended_event.pk]), {
        "kind": "yes_no", "label": "Would you come again?", "translations": "sv: Skulle du komma igen?\nlv: Vai nāktu vēl?",
    })
    question = SurveyQuestion.objects.get(label="Would you come again?")
    assert question.label_for("sv") == "Skulle du komma igen?"
    assert question.label_for("sv-se") == "Skulle du komma igen?"
    assert question.label_for("lv") == "Vai nāktu vēl?"


@pytest.mark.django_db
@pytest.mark.parametrize("named", [False, True])
def test_xlsx_of_a_named_survey_names_respondents_and_an_anonymous_one_does_not(
    open_survey, client, organizer, attendees, named
):
    from io import BytesIO

    from openpyxl import load_workbook

    open_survey.named = named
    open_survey.save()
    for invitation in SurveyInvitation.objects.filter(survey=open_survey):
        response_submit(token=invitation.token, answers=_answers(open_survey), language="en", named_confirmed=True)
    for token in _walk_in_tokens(open_survey, 2):
        response_submit(token=token, answers=_answers(open_survey), language="en", named_confirmed=True)
    client.force_login(organizer)
    workbook = load_workbook(BytesIO(client.get(reverse("surveys:results_export", args=[open_survey.event.pk, "xlsx"])).content))
    cells = {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row}
    assert (attendees[0].full_name in cells) is named
    assert len(workbook.sheetnames) == (2 if named else 1)
