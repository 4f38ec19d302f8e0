"""The participant's side of registrations: register, cancel, "My registrations"."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import permissions
from events import registration_policy as policy
from events.forms_registration import RegistrationForm
from events.models import Event, Registration, Session
from events.services.registrations import RegistrationError, registration_cancel, registration_create, waiting_position
from privacy.models import Consent
from privacy.services.consents import consent_give
from privacy.texts import wording

Status = Registration.Status


def _closed_reason(event: Event) -> str | None:
    """Why nobody can register right now, in the reader's language; None when open."""
    refusal = policy.registration_refusal(event)
    return policy.refusal_message(refusal) if refusal else None


def _active_registration(event: Event, user) -> Registration | None:
    return (
        Registration.objects.filter(event=event, user=user).active()
        .order_by("-pk")
        .first()
    )


def _earlier_registration(event: Event, user, closed: str | None) -> tuple[Registration | None, str | None]:
    """The user's active registration, and why they cannot register if turned down before."""
    # One query answers both "already registered?" and "turned down before?".
    mine = list(event.registrations.filter(user=user).exclude(status=Status.CANCELLED).order_by("-pk"))
    existing = next((r for r in mine if r.is_active), None)
    refusal = policy.registration_refusal(event, **policy.registration_facts(mine))
    if refusal == policy.DECLINED:
        closed = policy.refusal_message(refusal)
    return existing, closed


def _success_message(registration: Registration) -> str:
    if registration.status == Status.CONFIRMED:
        return _("You are registered. A confirmation is on its way to your email.")
    if registration.status == Status.WAITING:
        position = getattr(registration, "position_when_registered", None)
        return _("The event is full, so you are on the waiting list, in position %(position)d.") % {
            "position": position or waiting_position(registration=registration) or 1
        }
    return _("Your registration was received. The organizers will review it and email you their decision.")


@login_required
@require_http_methods(["GET", "POST"])
def register(request, pk):
    event = get_object_or_404(Event.objects.select_related("city"), pk=pk)
    if not permissions.can_view_event(request.user, event):
        raise Http404
    closed = _closed_reason(event)
    existing = None
    if request.method == "GET":
        # A POST needs no such look-up: the service refuses duplicates and declined people itself.
        existing, closed = _earlier_registration(event, request.user, closed)
    questions = list(event.questions.all())
    form = RegistrationForm(
        request.POST if request.method == "POST" and not (existing or closed) else None,
        questions=questions,
        language=get_language(),
        city=event.city,
    )
    notice = wording("notice", event.city)
    status = 200
    if request.method == "POST":
        if existing or closed:
            status = 400
        elif form.is_valid():
            try:
                registration = registration_create(
                    event=event,
                    user=request.user,
                    answers=form.answers(),
                    consent_version=notice.version,
                    questions=questions,
                )
            except RegistrationError as exc:
                if exc.code == "duplicate":
                    existing = _active_registration(event, request.user)
                elif exc.code in (policy.CLOSED, policy.CANCELLED, policy.NOT_OPEN, policy.DECLINED):
                    # The event changed while the form was open.
                    event.refresh_from_db()
                    closed = str(exc)
                else:
                    form.add_service_errors(exc.field_errors, str(exc))
                status = 400
            else:
                for purpose in form.optional_consents():
                    consent_give(user=request.user, purpose=purpose, how=Consent.How.REGISTRATION, city=event.city)
                messages.success(request, _success_message(registration))
                return redirect(event)
        else:
            status = 400
    context = {
        "event": event,
        "city": event.city,
        "sessions": event.sessions.all(),
        "form": form,
        "existing": existing,
        "position": waiting_position(registration=existing) if existing else None,
        "closed": closed,
        "full": _seats_left(event) == 0,
        "consent_notice": notice.text,
        "consent_version": notice.version,
    }
    return render(request, "events/registration_form.html", context, status=status)


def _seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return event.seats_left(event.registrations.confirmed().count())


def _can_still_cancel(registration: Registration) -> bool:
    return policy.cancel_refusal(registration) is None


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request, pk):
    # Someone else's registration is a 404: its existence is none of the asker's business.
    registration = get_object_or_404(
        Registration.objects.select_related("event__city"), pk=pk, user=request.user
    )
    event = registration.event
    can_cancel = _can_still_cancel(registration)
    error = None
    if request.method == "POST" and can_cancel:
        try:
            registration_cancel(registration=registration, actor=request.user)
        except RegistrationError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("Your registration for %(title)s is cancelled.") % {"title": event.localized("title").text}
            )
            return redirect("registrations:my_registrations")
    context = {
        "registration": registration,
        "event": event,
        "city": event.city,
        "can_cancel": can_cancel,
        "error": error,
        "position": waiting_position(registration=registration),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "events/registration_cancel.html", context, status=status)


@login_required
def my_registrations(request):
    registrations = list(
        Registration.objects.filter(user=request.user)
        .select_related("event__city")
        .prefetch_related(Prefetch("event__sessions", queryset=Session.objects.order_by("starts_at", "pk")))
        .with_waiting_position()
        .order_by("event__starts_at", "-pk")
    )
    now = timezone.now()
    groups = {status: [] for status in (Status.CONFIRMED, Status.WAITING, Status.PENDING)}
    past, inactive = [], []
    for registration in registrations:
        registration.position = registration.waiting_pos
        registration.can_cancel = _can_still_cancel(registration)
        ended = registration.event.ends_at is not None and registration.event.ends_at <= now
        if not registration.is_active:
            inactive.append(registration)
        elif ended:
            past.append(registration)
        else:
            groups[registration.status].append(registration)
    # The check-in code is used at the door: open on the cards of events starting within a day,
    # folded on the others (a QR code per card made the page very long on a phone).
    soon = now + timedelta(days=1)
    for registration in groups[Status.CONFIRMED]:
        registration.qr_open = registration.event.starts_at is not None and registration.event.starts_at <= soon
    from surveys.services.surveys import open_surveys_for, survey_link


    open_surveys = [(invitation.survey.event, survey_link(invitation)) for invitation in open_surveys_for(request.user)]
    sections = [
        # A heading over several registrations: some languages make it plural.
        ("confirmed", pgettext("registrations, plural heading", "Confirmed"), groups[Status.CONFIRMED]),
        ("waiting", _("On the waiting list"), groups[Status.WAITING]),
        ("pending", _("Waiting for approval"), groups[Status.PENDING]),
        ("past", _("Past events"), past[::-1]),
        ("inactive", _("Cancelled or not accepted"), inactive[::-1]),
    ]
    return render(
        request,
        "events/my_registrations.html",
        {"sections": sections, "has_any": bool(registrations), "open_surveys": open_surveys},
    )
