"""Attendance pages: overview, sheet, QR check-in, room screen, sign-in sheet PDF, self check-in.

Every page works as plain HTML forms; the scripts post the same forms with
``Accept: application/json`` and get the same answer as JSON.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.middleware import allows_camera
from events import permissions
from events.attendance_qr import session_checkin_url
from events.forms_attendance import CodeForm, MarkForm, RoomCodeForm, SheetForm, WalkInForm
from events.models import Attendance, Event, Registration, Session
from events.services import attendance as attendance_services
from events.services.attendance import AttendanceError, CheckinResult


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _staff_session(request: HttpRequest, session_pk: int) -> Session:
    """The session, if the user may take its attendance: 403 otherwise, 404 if it does not exist
    or belongs to a draft the user may not see."""
    session = get_object_or_404(Session.objects.select_related("event__city"), pk=session_pk)
    permissions.require_event_access(request.user, session.event, need=permissions.can_take_attendance)
    return session


def _staff_event(request: HttpRequest, event_pk: int) -> Event:
    return permissions.access_event(request.user, event_pk, need=permissions.can_take_attendance)


def _sheet_url(session: Session, query: str = "") -> str:
    url = reverse("attendance:sheet", kwargs={"session_pk": session.pk})
    return f"{url}?{urlencode({'q': query})}" if query else url


_RESULT_TITLES = {
    CheckinResult.CHECKED_IN: gettext_lazy("Checked in"),
    CheckinResult.ALREADY: gettext_lazy("Already checked in"),
    CheckinResult.WRONG_EVENT: gettext_lazy("Another event"),
    CheckinResult.ROOM_CODE: gettext_lazy("Not a participant's code"),
    CheckinResult.UNKNOWN: gettext_lazy("Unknown code"),
    CheckinResult.NOT_CONFIRMED: gettext_lazy("Not confirmed"),
    CheckinResult.NOT_REGISTERED: gettext_lazy("Not registered"),
    CheckinResult.TOO_EARLY: gettext_lazy("Not yet"),
    CheckinResult.TOO_LATE: gettext_lazy("Session over"),
    CheckinResult.CANCELLED: gettext_lazy("Event cancelled"),
}


def _result_title(result: CheckinResult) -> str:
    return str(_RESULT_TITLES[result.status])


# ----------------------------------------------------------------------------- overview


@login_required
@require_GET
def overview(request: HttpRequest, event_pk: int) -> HttpResponse:
    event = _staff_event(request, event_pk)
    sessions = list(attendance_services.sessions_with_counts(event))
    confirmed = event.registrations.confirmed().count()
    return render(
        request,
        "events/attendance/overview.html",
        {
            "event": event,
            "city": event.city,
            "sessions": sessions,
            "confirmed": confirmed,
        },
    )


# ----------------------------------------------------------------------------- sheet


def _render_sheet(
    request: HttpRequest, session: Session, *, walk_in_form: WalkInForm | None = None, status: int = 200
) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:100]
    registrations = attendance_services.search_registrations(
        attendance_services.confirmed_registrations(session), query
    )
    can_add = permissions.can_add_walk_in(request.user, session.event)
    context = {
        "session": session,
        "event": session.event,
        "city": session.event.city,
        "registrations": list(registrations),
        "counts": attendance_services.session_counts(session),
        "q": query,
        "can_add_walk_in": can_add,
        "walk_in_form": (walk_in_form or WalkInForm()) if can_add else None,
    }
    return render(request, "events/attendance/sheet.html", context, status=status)


# How far back "My sessions" lists ended sessions, for sheets completed after the fact.
RECENT_PAST = timedelta(days=30)


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """A trainer's way in: today's and upcoming sessions of the events they train, each with
    its sheet, room screen, check-in and the event's certificates; recent past ones folded."""
    now = timezone.now()
    sessions = (
        Session.objects.filter(event__trainers=request.user, event__status=Event.Status.PUBLISHED)
        .filter(ends_at__gte=now - RECENT_PAST)
        .select_related("event__city")
        .order_by("starts_at", "id")
    )
    current, past = [], []
    for session in sessions:
        (past if session.ends_at < now else current).append(session)
    past.reverse()  # the most recent first
    return render(request, "events/attendance/my_sessions.html", {"current": current, "past": past})


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _staff_session(request, session_pk)
    if request.method == "GET":
        return _render_sheet(request, session)
    form = SheetForm(request.POST)
    query = request.POST.get("q", "")
    if not form.is_valid():
        for error in form.errors.get("listed", []) + form.errors.get("present", []) + form.errors.get("was_present", []):
            messages.error(request, error)
        return redirect(_sheet_url(session, query))
    changed = attendance_services.attendance_apply_sheet(session=session, changes=form.changes(), actor=request.user)
    if changed:
        messages.success(
            request,
            ngettext("Saved: %(count)d change.", "Saved: %(count)d changes.", changed) % {"count": changed},
        )
    else:
        messages.info(request, _("Nothing to save: no box was changed."))
    return redirect(_sheet_url(session, query))


@login_required
@require_POST
def mark(request: HttpRequest, session_pk: int) -> HttpResponse:
    """One box of the sheet, saved at once by the script (or posted by hand, then back to the sheet)."""
    session = _staff_session(request, session_pk)
    form = MarkForm(request.POST)
    registration = None
    if form.is_valid():
        registration = (
            Registration.objects.select_related("user")
            .filter(pk=form.cleaned_data["registration"], event_id=session.event_id, user__isnull=False)
            .first()
        )
    if registration is None:
        error, status = _("This participant is not registered for this event."), 400
    else:
        try:
            attendance_services.attendance_mark(
                session=session, registration=registration, present=form.cleaned_data["present"], actor=request.user
            )
            error, status = "", 200
        except AttendanceError as exc:
            error, status = str(exc), 409
    if _wants_json(request):
        payload = {"ok": not error, "counts": attendance_services.session_counts(session)}
        if error:
            payload["message"] = error
        else:
            present = form.cleaned_data["present"]
            payload.update(
                registration=registration.pk,
                present=present,
                message=(_("%(name)s: present") if present else _("%(name)s: absent"))
                % {"name": registration.user.display_name},
            )
        return JsonResponse(payload, status=status)
    if error:
        messages.error(request, error)
    return redirect(_sheet_url(session))


@login_required
@require_POST
def mark_all(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _staff_session(request, session_pk)
    count = attendance_services.attendance_mark_all_present(session=session, actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d participant marked present.", "%(count)d participants marked present.", count
            ) % {"count": count},
        )
    else:
        messages.info(request, _("Everyone was already marked present."))
    return redirect(_sheet_url(session))


@login_required
@require_POST
def walk_in(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _staff_session(request, session_pk)
    if not permissions.can_add_walk_in(request.user, session.event):
        raise PermissionDenied
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            registration = attendance_services.attendance_add_walk_in(
                session=session,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                actor=request.user,
            )
        except AttendanceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s is registered and marked present.") % {"name": registration.user.display_name},
            )
            return redirect(_sheet_url(session))
    # The sheet again, with the typed address kept and the reason shown next to it.
    return _render_sheet(request, session, walk_in_form=form)


# ----------------------------------------------------------------------------- trainer check-in


def _result_payload(result: CheckinResult, session: Session) -> dict:
    return {
        "ok": result.ok,
        "status": result.status,
        "tone": result.tone,
        "title": _result_title(result),
        "message": result.message,
        "counts": attendance_services.session_counts(session),
    }


@login_required
@require_http_methods(["GET", "POST"])
@allows_camera  # the scanner reads participants' codes with the device's camera
def checkin(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _staff_session(request, session_pk)
    result = None
    form = CodeForm()
    if request.method == "POST":
        posted = CodeForm(request.POST)
        if posted.is_valid():
            method = Attendance.Method.QR if posted.cleaned_data["scanned"] else Attendance.Method.CODE
            result = attendance_services.attendance_checkin_by_code(
                session=session, code=posted.cleaned_data["code"], actor=request.user, method=method
            )
            if _wants_json(request):
                return JsonResponse(_result_payload(result, session))
        else:
            if _wants_json(request):
                message = " ".join(posted.errors.get("code", [])) or _("Please type a code.")
                return JsonResponse(
                    {"ok": False, "status": "invalid", "tone": "refused", "title": _("Check the code"), "message": message,
                     "counts": attendance_services.session_counts(session)},
                    status=400,
                )
            form = posted
    context = {
        "session": session,
        "event": session.event,
        "city": session.event.city,
        "form": form,
        "result": result,
        "result_title": _result_title(result) if result else "",
        "counts": attendance_services.session_counts(session),
    }
    return render(request, "events/attendance/checkin.html", context, status=400 if form.is_bound else 200)


@login_required
@require_GET
def room(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = _staff_session(request, session_pk)
    return render(
        request,
        "events/attendance/room.html",
        {
            "session": session,
            "event": session.event,
            "city": session.event.city,
            "checkin_url": session_checkin_url(session),
            "counts": attendance_services.session_counts(session),
        },
    )


@login_required
@require_GET
def signin_sheet(request: HttpRequest, session_pk: int) -> HttpResponse:
    from certificates.pdf import signin_sheet_pdf

    session = _staff_session(request, session_pk)
    registrations = list(attendance_services.confirmed_registrations(session))
    pdf = signin_sheet_pdf(session=session, registrations=registrations)
    local_start = timezone.localtime(session.starts_at, session.event.city.tzinfo)
    filename = f"signin-sheet-event{session.event_id}-{local_start:%Y-%m-%d-%H%M}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Participants' names: never kept by a shared cache or the browser (like certificates).
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------- participant self check-in


@login_required
@require_http_methods(["GET", "POST"])
def self_checkin_entry(request: HttpRequest) -> HttpResponse:
    """Type the room's code when the camera cannot scan the screen."""
    form = RoomCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = attendance_services.normalize_code(form.cleaned_data["code"])
        return redirect("attendance:self_checkin", code=code)
    return render(request, "events/attendance/self_checkin_entry.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def self_checkin(request: HttpRequest, code: str) -> HttpResponse:
    """The address behind the room screen's QR code.

    Opening it only shows what would happen; checking in takes a tap (a POST), so a
    link preview or a prefetch never marks anyone present.
    """
    if request.method == "POST":
        result = attendance_services.attendance_self_checkin(session_code=code, user=request.user)
        can_check_in = False
    else:
        result = attendance_services.self_checkin_preview(session_code=code, user=request.user)
        can_check_in = result.status == CheckinResult.CHECKED_IN
    session = result.session
    context = {
        "result": result,
        "result_title": "" if can_check_in else _result_title(result),
        "can_check_in": can_check_in,
        "session": session,
        "event": session.event if session else None,
        "city": session.event.city if session else None,
        "code": code,
        "form": RoomCodeForm(),
    }
    return render(request, "events/attendance/self_checkin.html", context)
