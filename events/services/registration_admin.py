"""What organizers do to an event's registrations beyond the participant's own actions:
register people who signed up on paper, and edit the questions asked at registration.

Registration state itself still changes only through ``events.services.registrations``.
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from events.i18n import join_list
from events.models import Answer, Event, Question, Registration
from events.services.emails import email_queue
from events.services.registrations import RegistrationError, registration_create

CHOICE_KINDS = (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)
MAX_CHOICE_VALUE_LENGTH = 100
MAX_CHOICE_LABEL_LENGTH = 200
MAX_CHOICES = 50
# The organizer's "value|label|es=…" lines for MAX_CHOICES choices, with room for translations.
CHOICES_TEXT_MAX_LENGTH = 20_000


class QuestionError(Exception):
    """A question change that cannot be made; ``str()`` is a translated message for the organizer."""


# ---------------------------------------------------------------------------
# People registered by an organizer


def _invitation_language(event: Event) -> str:
    """The language a person we know nothing about most likely reads: the event's, else the city's."""
    available = dict(settings.LANGUAGES)
    for candidate in (event.language, event.city.default_language):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def account_password_set_url(*, user: User) -> str:
    """An absolute link where ``user`` chooses a password (allauth's reset-from-key page).

    allauth's token hashes the password and the last login, so the link stops working once
    a password has been set or the person has logged in, and after PASSWORD_RESET_TIMEOUT.
    """
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def _send_account_invitation(*, user: User, event: Event, actor: User | None) -> None:
    password_set_url = account_password_set_url(user=user)
    email_queue(
        user=user,
        template="account_invitation",
        event=event,
        # The link sets the account's password: masked in the stored copy, dropped once sent.
        secrets=[password_set_url],
        context={
            "password_set_url": password_set_url,
            "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "invited_by": actor.display_name if actor else "",
            "link_valid_days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        },
        # Adding the same person to the same event twice must not invite them twice.
        dedupe_key=f"account_invitation:{user.pk}:{event.pk}",
    )


def _never_signed_in(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


@transaction.atomic
def registration_add_by_email(
    *,
    event: Event,
    email: str,
    actor: User,
    full_name: str = "",
    source: str = Registration.Source.ORGANIZER,
) -> Registration:
    """Register the person with ``email`` for ``event`` on an organizer's behalf.

    Someone without an account gets one with no usable password and an invitation to choose
    one; the account is created in the same transaction as the registration, so a refused
    registration (event full and closed, already registered...) leaves no stray account.
    Raises ``RegistrationError`` for an unusable address and whatever ``registration_create``
    refuses.
    """
    from allauth.account.models import EmailAddress

    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise RegistrationError(_("“%(email)s” is not a valid email address.") % {"email": address}, code="invalid")

    user = User.objects.filter(email__iexact=address).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=address,
                    password=None,  # unusable: the person chooses one through the invitation link
                    full_name=" ".join(full_name.split()),
                    preferred_language=_invitation_language(event),
                )
                # Unverified: an address copied from paper proves nothing. allauth asks the
                # person to confirm it at their first login.
                EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        except IntegrityError:
            # Another organizer (or the person, signing up) created the account a moment ago.
            user = User.objects.get(email__iexact=address)
    invite = _never_signed_in(user)

    try:
        registration = registration_create(event=event, user=user, source=source, actor=actor)
    except RegistrationError as error:
        if error.code == "duplicate":
            # The service speaks to the participant; here the reader is the organizer.
            raise RegistrationError(
                _("%(email)s is already registered for this event.") % {"email": user.email}, code="duplicate"
            )
        raise
    if invite:
        _send_account_invitation(user=user, event=event, actor=actor)
    return registration


# ---------------------------------------------------------------------------
# Reads for the organizer's pages (a fixed number of queries whatever the size)


def registrations_for_admin(*, event: Event) -> QuerySet[Registration]:
    """The event's registrations with participant, answers (and their questions) and waiting position.

    ``waiting_pos`` (``RegistrationQuerySet.with_waiting_position``) is 1 for the first in line,
    None for anyone not waiting.
    """
    return (
        # Anonymised rows (retention, deleted accounts) are counts, not people: never listed.
        Registration.objects.filter(event=event, user__isnull=False)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").order_by("question__position", "question_id"),
            )
        )
        .with_waiting_position()
    )


# ---------------------------------------------------------------------------
# Questions


def _lock_event(event: Event) -> Event:
    # registration_create writes answers under this lock; taking it here means a question
    # cannot lose its last answer-free moment between our check and our write.
    return Event.objects.lock(event.pk)


def clean_label_translations(translations: dict[str, str] | None) -> dict[str, str]:
    """Only site languages, trimmed, empty ones dropped (``Question.label`` is the fallback)."""
    available = dict(settings.LANGUAGES)
    cleaned: dict[str, str] = {}
    for code, text in (translations or {}).items():
        if code not in available:
            raise QuestionError(_("“%(code)s” is not a language of this site.") % {"code": code})
        text = " ".join(str(text or "").split())
        if len(text) > Question._meta.get_field("label").max_length:
            raise QuestionError(_("The %(language)s translation is too long.") % {"language": available[code]})
        if text:
            cleaned[code] = text
    return cleaned


def clean_choices(*, kind: str, choices: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Validated choices for ``kind``: none for kinds without choices, at least two distinct otherwise."""
    if kind not in CHOICE_KINDS:
        return []
    available = dict(settings.LANGUAGES)
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    if len(choices or []) > MAX_CHOICES:
        raise QuestionError(
            ngettext(
                "A question can offer at most %(max)d choice.",
                "A question can offer at most %(max)d choices.",
                MAX_CHOICES,
            )
            % {"max": MAX_CHOICES}
        )
    for choice in choices or []:
        value = str(choice.get("value", "")).strip()
        label = " ".join(str(choice.get("label", "")).split()) or value
        if not value:
            raise QuestionError(_("Every choice needs a value."))
        if len(value) > MAX_CHOICE_VALUE_LENGTH:
            raise QuestionError(
                _("The value “%(value)s” is longer than %(max)d characters.")
                % {"value": value, "max": MAX_CHOICE_VALUE_LENGTH}
            )
        if len(label) > MAX_CHOICE_LABEL_LENGTH:
            raise QuestionError(
                _("The label of “%(value)s” is longer than %(max)d characters.")
                % {"value": value, "max": MAX_CHOICE_LABEL_LENGTH}
            )
        if value.casefold() in seen:
            raise QuestionError(_("The value “%(value)s” is used for two choices.") % {"value": value})
        seen.add(value.casefold())
        translations = {}
        for code, text in (choice.get("translations") or {}).items():
            if code not in available:
                raise QuestionError(_("“%(code)s” is not a language of this site.") % {"code": code})
            text = " ".join(str(text or "").split())
            if len(text) > MAX_CHOICE_LABEL_LENGTH:
                raise QuestionError(
                    _("The label of “%(value)s” is longer than %(max)d characters.")
                    % {"value": value, "max": MAX_CHOICE_LABEL_LENGTH}
                )
            if text:
                translations[code] = text
        cleaned.append({"value": value, "label": label, "translations": translations})
    if len(cleaned) < 2:
        raise QuestionError(_("A single or multiple choice question needs at least two choices."))
    return cleaned


def _clean_text(value: str, field: str) -> str:
    text = " ".join((value or "").split())
    max_length = Question._meta.get_field(field).max_length
    if len(text) > max_length:
        raise QuestionError(
            _("%(field)s is longer than %(max)d characters.")
            % {"field": Question._meta.get_field(field).verbose_name.capitalize(), "max": max_length}
        )
    return text


def _used_values(question: Question) -> set[str]:
    """Choice values some participant has picked for ``question``."""
    used: set[str] = set()
    for value in Answer.objects.filter(question=question).values_list("value", flat=True):
        if isinstance(value, list):
            used.update(str(v) for v in value)
        elif value not in (None, ""):
            used.add(str(value))
    return used


def _question_fields(
    *,
    label: str,
    kind: str,
    required: bool,
    help_text: str,
    label_translations: dict[str, str] | None,
    choices: list[dict[str, Any]] | None,
    sensitive: bool = False,
) -> dict[str, Any]:
    """The cleaned values of a question, or QuestionError with a message for the organizer."""
    if kind not in Question.Kind.values:
        raise QuestionError(_("Choose what kind of question this is."))
    label = _clean_text(label, "label")
    if not label:
        raise QuestionError(_("Write the question."))
    return {
        "label": label,
        "kind": kind,
        "required": bool(required),
        "sensitive": bool(sensitive),
        "help_text": _clean_text(help_text, "help_text"),
        "label_translations": clean_label_translations(label_translations),
        "choices": clean_choices(kind=kind, choices=choices),
    }


@transaction.atomic
def question_create(
    *,
    event: Event,
    label: str,
    kind: str,
    required: bool = False,
    help_text: str = "",
    label_translations: dict[str, str] | None = None,
    choices: list[dict[str, Any]] | None = None,
    sensitive: bool = False,
) -> Question:
    """Add a question at the end of the event's form."""
    fields = _question_fields(
        label=label, kind=kind, required=required, help_text=help_text,
        label_translations=label_translations, choices=choices, sensitive=sensitive,
    )
    locked = _lock_event(event)
    last = Question.objects.filter(event=locked).order_by("-position").values_list("position", flat=True).first()
    return Question.objects.create(event=locked, position=0 if last is None else last + 1, **fields)


@transaction.atomic
def question_update(
    *,
    question: Question,
    label: str,
    kind: str,
    required: bool = False,
    help_text: str = "",
    label_translations: dict[str, str] | None = None,
    choices: list[dict[str, Any]] | None = None,
    sensitive: bool = False,
) -> Question:
    """Change a question. Once answered, its kind stays and picked choices stay available,
    so that every stored answer keeps its meaning."""
    fields = _question_fields(
        label=label, kind=kind, required=required, help_text=help_text,
        label_translations=label_translations, choices=choices, sensitive=sensitive,
    )
    choices = fields["choices"]

    _lock_event(question.event)
    question = Question.objects.get(pk=question.pk)
    if Answer.objects.filter(question=question).exists():
        if kind != question.kind:
            raise QuestionError(
                _("Participants have already answered this question, so its kind can no longer change.")
            )
        if kind in CHOICE_KINDS:
            missing = sorted(_used_values(question) - {c["value"] for c in choices})
            if missing:
                raise QuestionError(
                    _("These choices have already been picked and cannot be removed: %(values)s.")
                    % {"values": join_list(missing)}
                )
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Delete a question nobody has answered yet.

    Answers are refused rather than silently dropped: they may hold what an organizer
    promised to act on (dietary or access needs). Making the question optional, or
    exporting the answers first, is the way out and the message says so.
    """
    _lock_event(question.event)
    answered = Answer.objects.filter(question_id=question.pk).count()
    if answered:
        raise QuestionError(
            ngettext(
                "%(count)d participant has already answered this question, so it cannot be deleted. "
                "You can make it optional instead.",
                "%(count)d participants have already answered this question, so it cannot be deleted. "
                "You can make it optional instead.",
                answered,
            )
            % {"count": answered}
        )
    Question.objects.filter(pk=question.pk).delete()


@transaction.atomic
def question_move(*, question: Question, direction: Literal["up", "down"]) -> Question:
    """Swap the question with its neighbour; moving past either end does nothing."""
    if direction not in ("up", "down"):
        raise QuestionError(_("A question can only move up or down."))
    locked = _lock_event(question.event)
    ordered = list(Question.objects.filter(event=locked).order_by("position", "id"))
    index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
    if index is None:
        raise Question.DoesNotExist
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    # Renumbering from 0 also repairs equal positions left by older data.
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    Question.objects.bulk_update(changed, ["position"])
    return next(q for q in ordered if q.pk == question.pk)
