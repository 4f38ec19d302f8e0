"""The participant's "My data" page and its actions, undo, download, and each city's privacy page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from events.models import Answer, City, Registration
from outbox.models import OutgoingEmail
from privacy import permissions
from privacy.forms import ConsentTextForm, DeletionForm, DemographicsForm, RetentionPolicyForm
from privacy.models import Consent, ConsentText, DataExport, DemographicProfile, PurgeRun, Purpose, RetentionPolicy
from privacy.retention import Policy
from privacy.services.consents import consent_give, consent_withdraw_by_id
from privacy.services.deletion import (
    DeletionError,
    pending_deletion,
    user_delete_cancel,
    user_delete_request,
    user_delete_undo,
)
from privacy.services.demographics import DemographicsError, demographics_delete, demographics_save
from privacy.services.exports import export_for_download, export_mark_downloaded, user_export_request
from privacy.services.policies import WordingError, consent_text_set, retention_policy_set
from privacy.services.retention import next_purge_at
from privacy.texts import wording


@login_required
@never_cache
def my_data(request):
    user = request.user
    active = {c.purpose: c for c in Consent.objects.active().filter(user=user, city__isnull=True)}
    purposes = [
        {"purpose": value, "label": label, "wording": wording(value), "consent": active.get(value)}
        for value, label in Purpose.choices
    ]
    profile = DemographicProfile.objects.filter(user=user).first()
    initial = {}
    if profile is not None:
        initial = {name: getattr(profile, name) for name in DemographicsForm.base_fields if name != "consent"}
    context = {
        "purposes": purposes,
        "city_consents": Consent.objects.active().filter(user=user, city__isnull=False).select_related("city"),
        "history": Consent.objects.filter(user=user).select_related("city")[:50],
        "demographics": profile,
        "demographics_form": DemographicsForm(initial=initial),
        "exports": DataExport.objects.filter(user=user)[:5],
        "deletion": pending_deletion(user),
        "deletion_form": DeletionForm(),
        "held": {
            "registrations": Registration.objects.filter(user=user).count(),
            "answers": Answer.objects.filter(registration__user=user).count(),
            "emails": OutgoingEmail.objects.filter(user=user).count(),
            "certificates": user.certificates.count(),
        },
    }
    return render(request, "privacy/my_data.html", context)


@login_required
@require_POST
def consent_give_view(request):
    purpose = request.POST.get("purpose", "")
    if purpose in Purpose.values:
        consent_give(user=request.user, purpose=purpose, how=Consent.How.MY_DATA)
        messages.success(request, _("Thank you: your consent is recorded."))
    return redirect("privacy:my_data")


@login_required
@require_POST
def consent_withdraw_view(request, pk: int):
    if consent_withdraw_by_id(user=request.user, consent_id=pk):
        messages.success(request, _("Your consent is withdrawn. It is no longer used from now on."))
    return redirect("privacy:my_data")


@login_required
@require_POST
def demographics_view(request):
    if request.POST.get("action") == "delete":
        demographics_delete(user=request.user)
        messages.success(request, _("Your answers are deleted and your consent withdrawn."))
        return redirect("privacy:my_data")
    form = DemographicsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            demographics_save(
                user=request.user,
                moved_to_country=data["moved_to_country"],
                years_in_country=data["years_in_country"],
                age_band=data["age_band"],
                gender=data["gender"],
                gender_self_description=data["gender_self_description"],
                consent=data["consent"],
            )
        except DemographicsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your answers are saved. Thank you."))
    return redirect("privacy:my_data")


@login_required
@require_POST
def export_request_view(request):
    user_export_request(user=request.user)
    messages.success(request, _("We are preparing your data. You will receive an email with a download link."))
    return redirect("privacy:my_data")


@login_required
@never_cache
def export_download(request, token: str):
    export = export_for_download(user=request.user, token=token)
    if export is None or not permissions.can_download_export(request.user, export):
        raise Http404
    handle = default_storage.open(export.file_path, "rb")
    day = timezone.localdate(export.ready_at).isoformat()
    response = FileResponse(handle, as_attachment=True, filename=f"my-data-{day}.zip", content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    export_mark_downloaded(export=export)
    return response


@login_required
@require_POST
def delete_request_view(request):
    form = DeletionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please tick the box to confirm that you want your account deleted."))
        return redirect("privacy:my_data")
    try:
        user_delete_request(user=request.user, certificates=form.cleaned_data["certificates"])
    except DeletionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your account will be deleted in 7 days. We have emailed you a link to undo it."))
    return redirect("privacy:my_data")


@login_required
@require_POST
def delete_cancel_view(request):
    if user_delete_cancel(user=request.user):
        messages.success(request, _("Your account will not be deleted."))
    return redirect("privacy:my_data")


@never_cache
def delete_undo(request, token: str):
    """The emailed link: a page with one button, so a mail scanner's GET changes nothing."""
    if request.method == "POST":
        done = user_delete_undo(token=token)
        return render(request, "privacy/delete_undo.html", {"done": bool(done), "posted": True})
    return render(request, "privacy/delete_undo.html", {"posted": False})


def city_privacy(request, slug: str):
    city = get_object_or_404(City, slug=slug)
    row = RetentionPolicy.objects.filter(city=city).first()
    policy = Policy.of(row)
    can_edit = permissions.can_edit_retention(request.user, city) if request.user.is_authenticated else False
    form = None
    if can_edit:
        form = RetentionPolicyForm(request.POST or None, instance=row or RetentionPolicy(city=city))
        if request.method == "POST" and form.is_valid():
            retention_policy_set(city=city, **{name: form.cleaned_data[name] for name in form.Meta.fields})
            messages.success(request, _("The retention policy is saved."))
            return redirect("privacy:city", slug=city.slug)
    elif request.method == "POST":
        raise Http404
    held = Registration.objects.filter(event__city=city)
    counts = held.aggregate(
        people=Count("pk", filter=Q(user__isnull=False)),
        anonymous=Count("pk", filter=Q(user__isnull=True)),
    )
    context = {
        "city": city,
        "notice": wording("notice", city),
        "policy": policy,
        "form": form,
        "counts": counts,
        "answers": Answer.objects.filter(registration__event__city=city).count(),
        "emails": OutgoingEmail.objects.filter(event__city=city).exclude(body_text="").count(),
        "next_purge": next_purge_at(),
        "last_run": PurgeRun.objects.filter(finished_at__isnull=False).first(),
        "wordings": [(kind, label, wording(kind, city)) for kind, label in ConsentText.KIND_CHOICES] if can_edit else [],
    }
    return render(request, "privacy/city.html", context)


@login_required
def city_wording(request, slug: str, kind: str):
    """A city's own wording of its notice or of one consent, with translations (organizers)."""
    city = get_object_or_404(City, slug=slug)
    if not permissions.can_edit_retention(request.user, city):
        raise Http404
    kinds = dict(ConsentText.KIND_CHOICES)
    if kind not in kinds:
        raise Http404
    row = ConsentText.objects.filter(city=city, kind=kind).first()
    current = wording(kind, city, "en")
    initial = {"version": current.version, "text": row.text if row else current.text}
    for code, value in (row.text_translations if row else {}).items():
        initial[f"text_{code}"] = value
    form = ConsentTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent_text_set(
                city=city, kind=kind, version=form.cleaned_data["version"], text=form.cleaned_data["text"],
                translations=form.translations(),
            )
        except WordingError as exc:
            form.add_error("version", str(exc))
        else:
            messages.success(request, _("The wording is saved."))
            return redirect("privacy:city", slug=city.slug)
    return render(
        request, "privacy/city_wording.html", {"city": city, "form": form, "label": kinds[kind]},
        status=400 if request.method == "POST" else 200,
    )
