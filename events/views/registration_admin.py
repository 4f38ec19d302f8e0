"""Organizer pages for one event's registrations, exports and registration questions.

Every view first resolves the event and asks ``permissions.can_manage_registrations``;
every change goes through a service, whose refusals are shown as messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import exports, permissions
from events.forms_registration_admin import (
    AddByEmailForm,
    CancelForm,
    DecisionForm,
    QuestionForm,
    RegistrationFilterForm,
)
from events.models import Event, Question, Registration
from events.services import registrations as registration_services
from events.services.questions import (
    QuestionError,
    question_create,
    question_delete,
    question_move,
    question_update,
)
from events.services.registrations import RegistrationError, registration_add_by_email, registrations_for_admin
from outbox.models import OutgoingEmail
from outbox.services.emails import email_retry
from privacy import permissions as privacy_permissions

PAGE_SIZE = 50
FAILED_EMAILS_SHOWN = 100


def _managed_event(request, pk: int) -> Event:
    event = permissions.access_event(request.user, pk, need=permissions.can_manage_registrations)
    if not privacy_permissions.can_see_event_records(request.user, event):
        # Kept past its retention only for an audit: platform admins alone see it.
        raise PermissionDenied
    return event


def _registration_of(event: Event, registration_pk: int) -> Registration:
    # Scoped to the event, so a registration id from another event is simply not found.
    return get_object_or_404(Registration.objects.select_related("user", "event__city"), pk=registration_pk, event=event)


def _list_url(event: Event) -> str:
    return reverse("registration_admin:registrations", kwargs={"pk": event.pk})


def _back_to_list(request, event: Event):
    """Back to the list with the organizer's filters and page, never anywhere else."""
    base = _list_url(event)
    query = request.POST.get("return_query", "")
    if query and "\n" not in query and "\r" not in query and len(query) < 1000:
        return redirect(f"{base}?{query.lstrip('?')}")
    return redirect(base)


def _filtered_registrations(request, event: Event):
    form = RegistrationFilterForm(request.GET or None)
    queryset = registrations_for_admin(event=event)
    if request.GET:
        queryset = form.filter(queryset)
    return form, queryset.order_by("created_at", "id")


def _list_page(request, event: Event, *, add_form: AddByEmailForm | None = None, status: int = 200):
    filter_form, queryset = _filtered_registrations(request, event)
    # The page's ids first, from the (event, created_at, id) index, then those rows with their
    # people and answers: joining every registration of a 5,000-person event to its person before
    # the OFFSET cost more than the page (bench/scale.py, "organizer").
    page = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    by_pk = {registration.pk: registration for registration in queryset.filter(pk__in=list(page.object_list))}
    rows = [by_pk[pk] for pk in page.object_list if pk in by_pk]
    language = get_language()
    for registration in rows:
        registration.answer_items = [
            (answer.question.label_for(language), exports.answer_text(answer.question, answer.value, language))
            for answer in registration.answers.all()
        ]
    failed_emails = list(
        OutgoingEmail.objects.filter(event=event, status=OutgoingEmail.Status.FAILED)
        .order_by("-created_at", "-id")[: FAILED_EMAILS_SHOWN + 1]
    )
    context = {
        "event": event,
        "city": event.city,
        "can_manage": True,
        "counts": registration_services.event_registration_counts(event=event),
        "filter_form": filter_form,
        "page": page,
        "registrations": rows,
        "add_form": add_form or AddByEmailForm(),
        "decision_form": DecisionForm(),
        "cancel_form": CancelForm(),
        "failed_emails": failed_emails[:FAILED_EMAILS_SHOWN],
        "more_failed_emails": len(failed_emails) > FAILED_EMAILS_SHOWN,
        "return_query": request.GET.urlencode(),
    }
    return render(request, "events/manage/registrations.html", context, status=status)


@login_required
def registration_list(request, pk: int):
    event = _managed_event(request, pk)
    return _list_page(request, event)


@login_required
@require_POST
def registration_add(request, pk: int):
    event = _managed_event(request, pk)
    form = AddByEmailForm(request.POST)
    if form.is_valid():
        try:
            registration = registration_add_by_email(
                event=event,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                actor=request.user,
            )
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(person)s is registered (%(status)s).")
                % {"person": registration.user.display_name, "status": registration.get_status_display()},
            )
            return _back_to_list(request, event)
    # Re-render with what was typed, so nothing is lost.
    return _list_page(request, event, add_form=form, status=400)


def _decide(request, pk: int, registration_pk: int, action: str):
    event = _managed_event(request, pk)
    registration = _registration_of(event, registration_pk)
    person = registration.user.display_name
    try:
        if action in ("approve", "reject"):
            form = DecisionForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors["message"]))
                return _back_to_list(request, event)
            service = (
                registration_services.registration_approve
                if action == "approve"
                else registration_services.registration_reject
            )
            result = service(registration=registration, actor=request.user, message=form.cleaned_data["message"])
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors["reason"]))
                return _back_to_list(request, event)
            result = registration_services.registration_cancel(
                registration=registration, actor=request.user, reason=form.cleaned_data["reason"]
            )
        elif action == "promote":
            result = registration_services.registration_promote(registration=registration, actor=request.user)
        else:  # pragma: no cover - the URLs only route the four actions above
            raise Http404
    except RegistrationError as error:
        messages.error(request, str(error))
        return _back_to_list(request, event)

    status = result.status
    if action == "approve" and status == Registration.Status.WAITING:
        position = registration_services.waiting_position(registration=result)
        messages.warning(
            request,
            _("The event is full: %(person)s is now on the waiting list, in position %(position)s.")
            % {"person": person, "position": position},
        )
    elif status == Registration.Status.CONFIRMED:
        messages.success(request, _("%(person)s is confirmed.") % {"person": person})
    elif status == Registration.Status.REJECTED:
        messages.success(request, _("The registration of %(person)s is rejected.") % {"person": person})
    elif status == Registration.Status.CANCELLED:
        messages.success(request, _("The registration of %(person)s is cancelled.") % {"person": person})
    else:
        messages.info(
            request,
            _("The registration of %(person)s is now: %(status)s.")
            % {"person": person, "status": result.get_status_display()},
        )
    return _back_to_list(request, event)


@login_required
@require_POST
def registration_approve(request, pk: int, registration_pk: int):
    return _decide(request, pk, registration_pk, "approve")


@login_required
@require_POST
def registration_approve_many(request, pk: int):
    """Approve the ticked pending registrations, or every pending one, in one locked step."""
    event = _managed_event(request, pk)
    if request.POST.get("all_pending"):
        ids = None
    else:
        ids = [value for value in request.POST.getlist("registration") if value.isdigit()]
        if not ids:
            messages.error(request, _("Tick the registrations to approve first."))
            return _back_to_list(request, event)
    try:
        summary = registration_services.registrations_approve_many(
            event=event, actor=request.user, registration_ids=ids
        )
    except RegistrationError as error:
        messages.error(request, str(error))
        return _back_to_list(request, event)
    parts = []
    if summary.confirmed:
        parts.append(ngettext("%(count)d approved", "%(count)d approved", summary.confirmed) % {"count": summary.confirmed})
    if summary.waiting:
        parts.append(
            ngettext("%(count)d put on the waiting list", "%(count)d put on the waiting list", summary.waiting)
            % {"count": summary.waiting}
        )
    if summary.skipped:
        parts.append(
            ngettext("%(count)d no longer pending", "%(count)d no longer pending", summary.skipped)
            % {"count": summary.skipped}
        )
    if not parts:
        messages.info(request, _("No registration is waiting for approval."))
    else:
        text = pgettext("joins the results of approving several registrations", ", ").join(parts)
        level = messages.warning if summary.waiting else messages.success
        level(request, pgettext("approving several registrations", "%(results)s.") % {"results": text})
    return _back_to_list(request, event)


@login_required
@require_POST
def registration_reject(request, pk: int, registration_pk: int):
    return _decide(request, pk, registration_pk, "reject")


@login_required
@require_POST
def registration_cancel(request, pk: int, registration_pk: int):
    return _decide(request, pk, registration_pk, "cancel")


@login_required
@require_POST
def registration_promote(request, pk: int, registration_pk: int):
    return _decide(request, pk, registration_pk, "promote")


@login_required
def registration_export(request, pk: int, fmt: str):
    event = _managed_event(request, pk)
    _form, queryset = _filtered_registrations(request, event)
    questions = list(Question.objects.filter(event=event).order_by("position", "id"))
    header, rows = exports.registration_table(event=event, registrations=queryset, questions=questions)
    if fmt == "xlsx":
        body = exports.table_to_xlsx(header, rows, title=_("Registrations"))
        content_type = exports.XLSX_MIMETYPE
    else:
        body = exports.table_to_csv(header, rows)
        content_type = exports.CSV_MIMETYPE
    response = HttpResponse(body, content_type=content_type)
    filename = exports.export_filename(event=event, extension=fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Participants' personal data: no copy in shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def failed_email_retry(request, pk: int, email_pk: int):
    event = _managed_event(request, pk)
    email = get_object_or_404(OutgoingEmail, pk=email_pk, event=event)
    if email.status != OutgoingEmail.Status.FAILED:
        messages.info(request, _("This email is no longer marked as failed."))
    else:
        email_retry(email=email)
        messages.success(request, _("The email to %(email)s is queued again.") % {"email": email.to_email})
    return _back_to_list(request, event)


# ---------------------------------------------------------------------------
# Questions


def _question_of(event: Event, question_pk: int) -> Question:
    return get_object_or_404(Question.objects.select_related("event__city"), pk=question_pk, event=event)


def _questions_url(event: Event) -> str:
    return reverse("registration_admin:questions", kwargs={"pk": event.pk})


@login_required
def question_list(request, pk: int):
    event = _managed_event(request, pk)
    questions = list(
        Question.objects.filter(event=event).annotate(answer_count=Count("answers")).order_by("position", "id")
    )
    return render(
        request,
        "events/manage/questions.html",
        {"event": event, "city": event.city, "can_manage": True, "questions": questions},
    )


def _question_form_page(request, event: Event, question: Question | None):
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            if question is None:
                saved = question_create(event=event, **form.service_kwargs())
                messages.success(request, _("The question “%(label)s” is added.") % {"label": saved.label})
            else:
                saved = question_update(question=question, **form.service_kwargs())
                messages.success(request, _("The question “%(label)s” is saved.") % {"label": saved.label})
        except QuestionError as error:
            form.add_error(None, str(error))
        else:
            return redirect(_questions_url(event))
    context = {"event": event, "city": event.city, "can_manage": True, "form": form, "question": question}
    return render(request, "events/manage/questions_form.html", context, status=400 if form.errors else 200)


@login_required
def question_add(request, pk: int):
    event = _managed_event(request, pk)
    return _question_form_page(request, event, None)


@login_required
def question_edit(request, pk: int, question_pk: int):
    event = _managed_event(request, pk)
    return _question_form_page(request, event, _question_of(event, question_pk))


@login_required
def question_delete_view(request, pk: int, question_pk: int):
    event = _managed_event(request, pk)
    question = _question_of(event, question_pk)
    if request.method == "POST":
        try:
            question_delete(question=question)
        except QuestionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The question “%(label)s” is deleted.") % {"label": question.label})
        return redirect(_questions_url(event))
    answer_count = question.answers.count()
    return render(
        request,
        "events/manage/questions_confirm_delete.html",
        {"event": event, "city": event.city, "can_manage": True, "question": question, "answer_count": answer_count},
    )


@login_required
@require_POST
def question_move_view(request, pk: int, question_pk: int):
    event = _managed_event(request, pk)
    question = _question_of(event, question_pk)
    try:
        question_move(question=question, direction=request.POST.get("direction", ""))
    except QuestionError as error:
        messages.error(request, str(error))
    return redirect(_questions_url(event) + f"#question-{question.pk}")
