"""Feedback surveys after events (issue 12).

Anonymity is in the schema: a ``SurveyResponse`` has a random id, a date (no time) and no
link to a user, registration or invitation; who has answered is kept apart, on the
``SurveyInvitation`` (an ``answered`` flag, no time), so reminders reach only those who have
not. Only a survey the organizer made ``named`` stores the respondent, and the form says so.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from events.models import Event


def translated(text: str, translations: dict | None, language: str) -> str:
    """``translations[language]``, else its base language, else ``text`` (same shape as ``Question.label_translations``)."""
    translations = translations or {}
    return translations.get(language) or translations.get((language or "").split("-")[0]) or text


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Survey(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Opens when the event ends")
        OPEN = "open", pgettext_lazy("survey status", "Open")
        CLOSED = "closed", pgettext_lazy("survey status", "Closed")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="survey", verbose_name=_("event"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    open_days = models.PositiveSmallIntegerField(_("open for (days)"), default=14)
    first_reminder_days = models.PositiveSmallIntegerField(_("first reminder after (days)"), default=3)
    second_reminder_days = models.PositiveSmallIntegerField(_("second reminder after (days)"), default=10)
    named = models.BooleanField(
        _("named survey"), default=False,
        help_text=_("Answers are stored with the respondent's name. Respondents are told before they answer."),
    )
    opens_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self):
        return f"survey of {self.event_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and (self.closes_at is None or timezone.now() < self.closes_at)


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE5 = "scale5", _("Scale 1–5")
        SCALE10 = "scale10", _("Scale 0–10")
        MATRIX = "matrix", _("Matrix (rows × one scale 1–5)")
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", pgettext_lazy("kind of question", "Number")
        TEXT = "text", _("Free text")

    SCALES = {Kind.SCALE5: range(1, 6), Kind.SCALE10: range(0, 11), Kind.MATRIX: range(1, 6)}

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey"))
    # Stable across languages and edits: core questions have a fixed key, comparable across cities.
    key = models.SlugField(_("key"), max_length=40)
    core = models.BooleanField(_("core question"), default=False, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("question"), max_length=300)
    label_translations = models.JSONField(_("translations of the question"), default=dict, blank=True)
    # [{"id": "o1", "label": "…", "translations": {"sv": "…"}}]: answers store the id, so
    # answers given in different languages add up.
    options = models.JSONField(_("options"), default=list, blank=True)
    rows = models.JSONField(_("matrix rows"), default=list, blank=True)
    allow_other = models.BooleanField(_("offer “other: ___”"), default=False)
    allow_dont_know = models.BooleanField(_("offer “don't know”"), default=False)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="surveyquestion_key_unique")]

    def __str__(self):
        return self.label

    def label_for(self, language: str) -> str:
        if self.core:
            from surveys.core import core_label

            return core_label(self.key, language) or self.label
        return translated(self.label, self.label_translations, language)

    def options_for(self, language: str) -> list[tuple[str, str]]:
        if self.kind == self.Kind.YES_NO:
            with translation.override(language):
                return [("yes", pgettext("survey answer", "Yes")), ("no", pgettext("survey answer", "No"))]
        if self.core:
            from surveys.core import core_options

            return core_options(self.key, language)
        return [(o["id"], translated(o.get("label", o["id"]), o.get("translations"), language)) for o in self.options]

    def rows_for(self, language: str) -> list[tuple[str, str]]:
        return [(r["id"], translated(r.get("label", r["id"]), r.get("translations"), language)) for r in self.rows]


class SurveyInvitation(models.Model):
    """Who may answer (a personal link, or a one-use walk-in link) and whether they have.

    It records no time of answering, and nothing links it to the response.
    """

    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        WALK_IN = "walk_in", _("Walk-in (one-use link)")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="survey_invitations",
        verbose_name=_("participant"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTICIPANT)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False, verbose_name=_("token"))
    answered = models.BooleanField(_("answered"), default=False)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    invited_on = models.DateField(_("invited on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], condition=Q(user__isnull=False), name="surveyinvitation_one_per_user"
            ),
            models.CheckConstraint(condition=Q(reminders_sent__lte=2), name="surveyinvitation_at_most_two_reminders"),
        ]

    def __str__(self):
        return f"invitation {self.pk} to survey {self.survey_id}"


class SurveyResponse(models.Model):
    """One answered survey: a random id and a day, nothing that leads to a person (unless named)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey"))
    submitted_on = models.DateField(_("submitted on"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Only for named surveys, which the respondent was told about before answering.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("respondent (named surveys only)"),
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        # No order by insertion: a random id says nothing about who answered first.
        ordering = ["id"]

    def __str__(self):
        return str(self.id)


class SurveyAnswer(models.Model):
    """One answer of a response: an option id (per row for a matrix), a number, or a text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    row = models.CharField(_("matrix row"), max_length=40, blank=True)
    option = models.CharField(_("option"), max_length=40, blank=True)
    number = models.IntegerField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["question", "option"], name="surveyanswer_question_option")]

    def __str__(self):
        return f"{self.question_id}: {self.option or self.number or self.text[:20]}"
