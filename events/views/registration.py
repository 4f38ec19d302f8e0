"""The participant's side of registrations: register, cancel, "My registrations"."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from events import permissions
from events import registration_policy as policy
from events.attendance_qr import registration_qr_svg
from events.content import ShownText
from events.forms_registration import RegistrationForm
from events.models import Event, Registration, Session
from events.services.registrations import RegistrationError, registration_cancel, registration_create, waiting_position
from events.templatetags.calendar_tags import card_calendar_links
from events.templatetags.events_tags import event_dates, local_datetime
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


# The check-in code opens on the card of an event starting this soon; the other cards link to it.
CODE_OPEN_BEFORE = timedelta(days=1)
# How long the holder's browser keeps the QR code image (seconds).
QR_MAX_AGE = 24 * 3600
# Past registrations shown at a time ("My registrations"); older ones are a page further.
PAST_PER_PAGE = 20


def _paths(name: str):
    """``pk -> path`` of URL ``name``, from one reverse() a page instead of one per card (each costs
    tens of microseconds, and a page of cards needs hundreds)."""
    marker = "2147483647"
    head, tail = reverse(name, kwargs={"pk": int(marker)}).split(marker)
    return lambda pk: f"{head}{pk}{tail}"


def _badges(registration: Registration, *, to_come: bool) -> list[tuple[str, str]]:
    """``(css class, label)`` of the badges on a card: the event's cancellation, and the status
    (a past confirmed registration needs none)."""
    badges = [("badge-cancelled", _("Event cancelled"))] if registration.event.is_cancelled else []
    status = registration.status
    if status == Status.CONFIRMED:
        if to_come:
            badges.append(("badge-ok", pgettext("registration status", "Confirmed")))
    elif status == Status.WAITING:
        badges.append(("", _("Waiting list: position %(position)s") % {"position": registration.waiting_pos}
                       if to_come and registration.waiting_pos else _("On the waiting list")))
    elif status == Status.PENDING:
        badges.append(("badge-draft", _("Waiting for approval")))
    elif status == Status.REJECTED:
        badges.append(("badge-cancelled", _("Not accepted")))
    else:
        badges.append(("badge-cancelled", pgettext("registration status", "Cancelled")))
    return badges


def _prepare_card(registration: Registration, *, paths: dict, now, to_come: bool) -> None:
    """Everything a card of "My registrations" shows, on the registration: the template only prints
    it (template logic per card costs more than the rest of the page)."""
    event = registration.event
    registration.event_path = paths["event"](event.pk)
    registration.title = ShownText(event.localized("title"))
    registration.muted = event.is_cancelled or not registration.is_active
    registration.badges = _badges(registration, to_come=to_come)
    registration.message = registration.decision_message if registration.status != Status.CANCELLED else ""
    if to_come and event.starts_at:
        registration.starts_iso = event.starts_at.isoformat()
        registration.when = local_datetime(event.starts_at, event.city)
    else:
        registration.starts_iso, registration.when = "", event_dates(event)
    # A seat held at an event still to come: the door code and the calendar links go with it.
    registration.holds_seat = to_come and registration.status == Status.CONFIRMED and event.is_published
    registration.code_path = paths["code"](registration.pk) if registration.holds_seat else ""
    registration.code_open = (
        registration.holds_seat and event.starts_at is not None and event.starts_at <= now + CODE_OPEN_BEFORE
    )
    registration.cancel_path, registration.cancel_label = "", ""
    if to_come and not event.is_cancelled and _can_still_cancel(registration):
        registration.cancel_path = paths["cancel"](registration.pk)
        registration.cancel_label = (
            _("Leave the waiting list") if registration.status == Status.WAITING else _("Cancel my registration")
        )
    registration.certificate_path = ""


@login_required
@require_GET
def my_registrations(request):
    from certificates.models import Certificate
    from surveys.services.surveys import open_surveys_for, survey_link

    now = timezone.now()
    mine = Registration.objects.of_participant(request.user)
    paths = {
        name: _paths(url_name)
        for name, url_name in (
            ("event", "events:event_detail"), ("cancel", "registrations:cancel"),
            ("code", "registrations:checkin_code"), ("ics", "calendars:event_ics"),
            ("certificate", "certificates:download"),
        )
    }
    upcoming, inactive = [], []
    for registration in mine.to_come(now):
        _prepare_card(registration, paths=paths, now=now, to_come=True)
        (upcoming if registration.is_active else inactive).append(registration)
    # Past events pile up over the years: a page of them at a time, folded.
    past = Paginator(mine.ended(now), PAST_PER_PAGE).get_page(request.GET.get("past"))
    for registration in past:
        _prepare_card(registration, paths=paths, now=now, to_come=False)
    # The sessions the calendar links need (of the seats held only) and the certificates of the
    # past events shown: one query each, whatever the number of cards.
    seats = {registration.event_id: registration for registration in upcoming if registration.holds_seat}
    sessions = {event_id: [] for event_id in seats}
    for session in (
        Session.objects.filter(event_id__in=list(seats))
        .only("event_id", "title", "translations", "starts_at", "ends_at", "room")
        .order_by("starts_at", "pk")
    ):
        session.event = seats[session.event_id].event
        sessions[session.event_id].append(session)
    for event_id, registration in seats.items():
        registration.calendar = card_calendar_links(
            registration.event, sessions[event_id], event_path=registration.event_path,
            ics_path=paths["ics"](event_id),
        )
    certificates = dict(
        Certificate.objects.valid()
        .filter(holder=request.user, registration__in=[registration.pk for registration in past])
        .values_list("registration_id", "pk")
    )
    for registration in past:
        if registration.pk in certificates:
            registration.certificate_path = paths["certificate"](certificates[registration.pk])
    open_surveys = [(invitation.survey.event, survey_link(invitation)) for invitation in open_surveys_for(request.user)]
    sections = [
        # Soonest first, whatever the status: what comes next is what people look for.
        ("upcoming", pgettext("registrations to come, heading", "Coming up"), upcoming),
        ("inactive", _("Cancelled or not accepted"), inactive),
        ("past", _("Past events"), past),
    ]
    return render(
        request,
        "events/my_registrations.html",
        {
            "sections": sections,
            "past": past,
            "has_any": bool(upcoming or inactive or past.paginator.count),
            "open_surveys": open_surveys,
        },
    )


def _own_code(request, pk: int) -> Registration:
    """The signed-in user's confirmed registration ``pk`` for an event not cancelled; 404 for anyone
    else's, whoever asks: a check-in code lets its holder in."""
    return get_object_or_404(
        Registration.objects.select_related("event__city").exclude(event__status=Event.Status.CANCELLED),
        pk=pk, user=request.user, status=Status.CONFIRMED,
    )


@login_required
@require_GET
def checkin_code(request, pk):
    """One registration's check-in code, large, to show at the door (linked from its card)."""
    registration = _own_code(request, pk)
    response = render(
        request, "events/registration_code.html",
        {"registration": registration, "event": registration.event, "city": registration.event.city},
    )
    patch_cache_control(response, private=True, max_age=0)
    return response


@login_required
@require_GET
def checkin_qr(request, pk):
    """The QR code of one registration's check-in code, as an SVG image, drawn only when asked for.

    The code never changes, so the holder's browser keeps the image for a day; its title is in the
    reader's language, hence the language in the ETag."""
    registration = _own_code(request, pk)
    etag = f'"{registration.checkin_code}-{get_language()}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(registration_qr_svg(registration), content_type="image/svg+xml")
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=QR_MAX_AGE)
    return response
