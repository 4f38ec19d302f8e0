"""The doors of the surveys app: create, open, invite, remind, close, answer.

``surveys_tick`` (a periodic task, see CELERY_BEAT_SCHEDULE) opens the survey of every event
whose last session has ended, reminds those who have not answered and closes what is due; it
can run as often as wanted: every email has a dedupe key, and the reminder counter is raised
with a conditional update.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Attendance, Event, Registration
from outbox.dispatch import dispatch
from outbox.services.emails import email_queue
from surveys.core import CORE
from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse

logger = logging.getLogger(__name__)

# The task that emails a survey's invitations (surveys.tasks).
INVITE_TASK = "surveys.tasks.invite_survey"

# Events that ended longer ago than this when the job first sees them get no survey.
OPEN_GRACE = timedelta(days=14)


class SurveyError(Exception):
    """A refusal the respondent or organizer can read (``str()`` is translated)."""


@dataclass(frozen=True)
class AnswerValue:
    question_id: int
    option: str = ""
    row: str = ""
    number: int | None = None
    text: str = ""


def survey_link(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL + reverse("surveys:respond", kwargs={"token": invitation.token})


def survey_ensure(*, event: Event) -> Survey:
    """The event's survey, created with the core set if it has none yet."""
    survey, created = Survey.objects.get_or_create(event=event)
    if created:
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                survey=survey, key=item["key"], core=True, kind=item["kind"], label=str(item["label"]),
                options=[{"id": value, "label": str(label)} for value, label in item.get("options", [])],
                position=index,
            )
            for index, item in enumerate(CORE)
        )
    return survey


def survey_update(*, survey: Survey, open_days: int, named: bool, first_reminder_days: int,
                  second_reminder_days: int) -> Survey:
    if survey.responses.exists() and named != survey.named:
        raise SurveyError(_("A survey with answers cannot change between named and anonymous."))
    if not 0 < first_reminder_days < second_reminder_days:
        raise SurveyError(_("The second reminder must come after the first."))
    survey.open_days, survey.named = open_days, named
    survey.first_reminder_days, survey.second_reminder_days = first_reminder_days, second_reminder_days
    if survey.opens_at:
        survey.closes_at = survey.opens_at + timedelta(days=open_days)
    survey.save()
    return survey


def question_add(*, survey: Survey, kind: str, label: str, options: Iterable[str] = (), rows: Iterable[str] = (),
                 allow_other: bool = False, allow_dont_know: bool = False, required: bool = False,
                 label_translations: dict | None = None) -> SurveyQuestion:
    """An organizer's own question after the core set; options get stable ids (``o1``, ``o2``…)."""
    if survey.responses.exists():
        raise SurveyError(_("Questions cannot be added once people have answered."))
    label = (label or "").strip()
    if not label:
        raise SurveyError(_("Type the question."))
    options = [o.strip() for o in options if o.strip()]
    rows = [r.strip() for r in rows if r.strip()]
    if kind in (SurveyQuestion.Kind.SINGLE, SurveyQuestion.Kind.MULTIPLE) and len(options) < 2:
        raise SurveyError(_("A choice question needs at least two options."))
    if kind == SurveyQuestion.Kind.MATRIX and not rows:
        raise SurveyError(_("A matrix needs at least one row."))
    position = survey.questions.count()
    return SurveyQuestion.objects.create(
        survey=survey, key=f"q{position + 1}-{timezone.now().strftime('%f')}", kind=kind, label=label,
        label_translations=label_translations or {},
        options=[{"id": f"o{i}", "label": text, "translations": {}} for i, text in enumerate(options, start=1)],
        rows=[{"id": f"r{i}", "label": text, "translations": {}} for i, text in enumerate(rows, start=1)],
        allow_other=allow_other, allow_dont_know=allow_dont_know, required=required, position=position,
    )


def survey_open(*, survey: Survey, now: datetime | None = None) -> Survey:
    """Open the survey for ``open_days`` and invite the participants after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Survey.objects.filter(pk=survey.pk, status=Survey.Status.SCHEDULED).update(
            status=Survey.Status.OPEN, opens_at=now, closes_at=now + timedelta(days=survey.open_days)
        )
        survey.refresh_from_db()
        if updated:
            dispatch(INVITE_TASK, survey.pk)
    return survey


def survey_close(*, survey: Survey) -> Survey:
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    survey.refresh_from_db()
    return survey


def survey_recipients(event: Event):
    """Users who attended at least one session; confirmed participants if attendance was never taken."""
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED, user__isnull=False)
    if Attendance.objects.filter(session__event=event).exists():
        present = Attendance.objects.filter(registration=OuterRef("pk"), present=True)
        confirmed = confirmed.filter(Exists(present))
    return User.objects.filter(pk__in=confirmed.values("user_id")).order_by("pk")


def survey_invite(*, survey_id: int) -> int:
    """Create each recipient's invitation and email its personal link once; how many emails were queued."""
    survey = Survey.objects.select_related("event__city").get(pk=survey_id)
    if survey.status != Survey.Status.OPEN:
        return 0
    queued = 0
    for user in survey_recipients(survey.event):
        invitation, _created = SurveyInvitation.objects.get_or_create(survey=survey, user=user)
        link = survey_link(invitation)
        try:
            message = email_queue(
                user=user, template="survey_invitation", event=survey.event,
                context={"survey": survey, "link": link}, dedupe_key=f"survey-invite:{invitation.pk}", secrets=[link],
            )
        except Exception:
            logger.exception("Could not queue the survey invitation %s", invitation.pk)
            continue
        queued += message is not None
    return queued


def survey_remind(*, survey: Survey, now: datetime | None = None) -> int:
    """At most two reminders, only to those who have not answered; safe to run twice."""
    now = now or timezone.now()
    if survey.status != Survey.Status.OPEN or survey.opens_at is None:
        return 0
    due = 0
    if now >= survey.opens_at + timedelta(days=survey.second_reminder_days):
        due = 2
    elif now >= survey.opens_at + timedelta(days=survey.first_reminder_days):
        due = 1
    if not due:
        return 0
    queued = 0
    pending = SurveyInvitation.objects.filter(
        survey=survey, answered=False, user__isnull=False, reminders_sent__lt=due
    ).select_related("user")
    for invitation in pending:
        number = due
        # A conditional update: a second job running at once finds the counter raised and sends nothing.
        if not SurveyInvitation.objects.filter(pk=invitation.pk, reminders_sent__lt=number, answered=False).update(
            reminders_sent=number
        ):
            continue
        link = survey_link(invitation)
        message = email_queue(
            user=invitation.user, template="survey_reminder", event=survey.event,
            context={"survey": survey, "link": link, "number": number},
            dedupe_key=f"survey-remind:{invitation.pk}:{number}", secrets=[link],
        )
        queued += message is not None
    return queued


def surveys_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Open, remind and close whatever is due. Returns what it did, for the logs."""
    now = now or timezone.now()
    done = {"opened": 0, "reminded": 0, "closed": 0}
    ended = Event.objects.filter(
        status=Event.Status.PUBLISHED, ends_at__lte=now, ends_at__gt=now - OPEN_GRACE
    ).filter(Q(survey__isnull=True) | Q(survey__status=Survey.Status.SCHEDULED))
    for event in ended:
        survey_open(survey=survey_ensure(event=event), now=now)
        done["opened"] += 1
    for survey in Survey.objects.filter(status=Survey.Status.OPEN).select_related("event__city"):
        if survey.closes_at and survey.closes_at <= now:
            survey_close(survey=survey)
            done["closed"] += 1
        else:
            done["reminded"] += survey_remind(survey=survey, now=now)
    return done


def walk_in_link_create(*, survey: Survey) -> SurveyInvitation:
    """A one-use link for someone who came without registering (shown as a QR code on the room screen)."""
    return SurveyInvitation.objects.create(survey=survey, kind=SurveyInvitation.Kind.WALK_IN)


def invitation_for_token(token: str) -> SurveyInvitation | None:
    return SurveyInvitation.objects.select_related("survey__event__city").filter(token=token).first()


def response_submit(*, token: str, answers: Iterable[AnswerValue], language: str,
                    named_confirmed: bool = False, today=None) -> SurveyResponse:
    """Store one response for the token's survey; a token answers once, whatever the concurrency.

    The invitation's ``answered`` flag is set by a conditional update inside the same
    transaction as the response: of 20 simultaneous requests, one updates a row and the
    others find nothing to update.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise SurveyError(_("This survey link is not valid."))
    survey = invitation.survey
    if not survey.is_open:
        raise SurveyError(_("This survey is closed."))
    if survey.named and not named_confirmed:
        raise SurveyError(_("This survey is named: confirm that your name is stored with your answers."))
    answers = list(answers)
    with transaction.atomic():
        if not SurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
            raise SurveyError(_("You have already answered this survey. Thank you!"))
        response = SurveyResponse.objects.create(
            survey=survey, submitted_on=today or timezone.localdate(timezone=survey.event.city.tzinfo),
            language=language[:10], respondent=invitation.user if survey.named else None,
        )
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question_id=a.question_id, option=a.option, row=a.row,
                         number=a.number, text=a.text)
            for a in answers
        )
    return response


def open_surveys_for(user: User):
    """Open surveys the user has been invited to and not answered yet ("My registrations")."""
    return (
        SurveyInvitation.objects.filter(user=user, answered=False, survey__status=Survey.Status.OPEN,
                                        survey__closes_at__gt=timezone.now())
        .select_related("survey__event")
        .order_by("survey__closes_at")
    )
