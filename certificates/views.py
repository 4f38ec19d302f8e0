from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.client_ip import limit_key
from certificates import credentials, keys, pdf, permissions
from certificates.forms import CODE_RE, RevokeForm, VerifyFileForm, VerifyForm
from certificates.models import Certificate, CertificateBatch
from certificates.services import credentials as credential_services
from certificates.services.certificates import (
    CertificateError,
    certificate_batch_start,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
)
from certificates.services.eligibility import hours_from, registrations_with_attendance
from events import permissions as event_permissions
from events.models import Event, Registration


def _rate_limit() -> tuple[int, int]:
    """Verification lookups allowed per client address, and the window in seconds."""
    return (
        int(getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", 30)),
        int(getattr(settings, "CERTIFICATE_VERIFY_RATE_WINDOW", 60)),
    )


def _event_for_staff(request, event_id: int) -> Event:
    """The event if the user may issue its certificates; 404 if they may not see it, else 403."""
    return event_permissions.access_event(request.user, event_id, need=permissions.can_issue_certificates)


def _certificate_for(request, pk: int, *, change: bool = False) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("event__city"), pk=pk)
    if not permissions.can_download_certificate(request.user, certificate):
        raise Http404
    if change and not permissions.can_change_certificate(request.user, certificate):
        raise PermissionDenied
    return certificate


# Participants ------------------------------------------------------------------------------


@login_required
def my_certificates(request):
    certificates = Certificate.objects.for_holder(request.user).select_related("replaced_by")
    return render(request, "certificates/mine.html", {"certificates": certificates})


@login_required
@require_GET
def download(request, pk: int):
    certificate = _certificate_for(request, pk)
    if certificate.status == Certificate.Status.REVOKED and not permissions.can_download_revoked_certificate(
        request.user, certificate
    ):
        response = render(request, "certificates/revoked_download.html", {"certificate": certificate}, status=410)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        fh = default_storage.open(certificate.pdf.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(fh, as_attachment=True, filename=certificate.filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# Trainers and organizers --------------------------------------------------------------------


@login_required
def event_certificates(request, event_id: int):
    event = _event_for_staff(request, event_id)
    rows = list(registrations_with_attendance(event=event))
    certificates = list(Certificate.objects.for_event_page(event))
    by_registration: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        by_registration.setdefault(certificate.registration_id, []).append(certificate)
    participants = []
    for row in rows:
        held = by_registration.get(row.pk, [])
        current = next((c for c in held if c.status != Certificate.Status.SUPERSEDED), None)
        participants.append(
            {
                "registration": row,
                "hours": hours_from(row.attended_duration),
                "current": current,
                "history": [c for c in held if c is not current],
                "can_issue": row.is_eligible
                and bool(row.user.full_name.strip())
                and (current is None or current.status == Certificate.Status.REVOKED),
                "missing_name": row.is_eligible and not row.user.full_name.strip(),
            }
        )
    first = rows[0] if rows else None
    context = {
        "event": event,
        "participants": participants,
        "issuable_count": sum(
            1 for p in participants if p["registration"].is_eligible and p["current"] is None and not p["missing_name"]
        ),
        "eligible_count": sum(1 for p in participants if p["registration"].is_eligible),
        "valid_count": sum(1 for c in certificates if c.status == Certificate.Status.VALID),
        "required_percent": first.required_percent if first else event.required_attendance_percent,
        "ended_sessions": first.ended_sessions if first else None,
        "total_sessions": first.total_sessions if first else None,
        "batch": CertificateBatch.objects.filter(event=event).first(),
        "orphans": [c for c in certificates if c.registration_id is None],
        "can_manage": event_permissions.can_manage_event(request.user, event),
        "is_trainer": event_permissions.is_trainer_of(request.user, event),
    }
    return render(request, "certificates/event_certificates.html", context)


@login_required
@require_POST
def batch_start(request, event_id: int):
    event = _event_for_staff(request, event_id)
    try:
        batch = certificate_batch_start(event=event, actor=request.user)
    except CertificateError as exc:
        messages.error(request, str(exc))
        return redirect("certificates:event", event_id=event.pk)
    if batch.status == CertificateBatch.Status.DONE and batch.total == 0:
        messages.info(request, _("Everyone eligible already has a certificate. Nothing was issued."))
        return redirect("certificates:event", event_id=event.pk)
    return redirect("certificates:batch_detail", pk=batch.pk)


def _batch_for_staff(request, pk: int) -> CertificateBatch:
    batch = get_object_or_404(CertificateBatch.objects.select_related("event__city"), pk=pk)
    event_permissions.require_event_access(request.user, batch.event, need=permissions.can_issue_certificates)
    return batch


def _batch_state(batch: CertificateBatch) -> dict:
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "total": batch.total,
        "done": batch.done,
        "issued": batch.issued,
        "percent": batch.percent,
        "finished": not batch.is_active,
        "message": ngettext(
            "%(done)d of %(total)d processed, %(issued)d certificate issued.",
            "%(done)d of %(total)d processed, %(issued)d certificates issued.",
            batch.issued,
        )
        % {"done": batch.done, "total": batch.total, "issued": batch.issued},
    }


@login_required
@never_cache
def batch_detail(request, pk: int):
    batch = _batch_for_staff(request, pk)
    return render(
        request, "certificates/batch_detail.html", {"batch": batch, "event": batch.event, "state": _batch_state(batch)}
    )


@login_required
@never_cache
def batch_progress(request, pk: int):
    batch = _batch_for_staff(request, pk)
    return JsonResponse(_batch_state(batch))


@login_required
@require_POST
def issue_one(request, event_id: int, registration_id: int):
    event = _event_for_staff(request, event_id)
    registration = get_object_or_404(Registration.objects.select_related("user"), pk=registration_id, event=event)
    try:
        certificate = certificate_issue(registration=registration, actor=request.user)
    except CertificateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Certificate %(number)s issued to %(name)s.")
            % {"number": certificate.number, "name": certificate.holder_name},
        )
    return redirect("certificates:event", event_id=event.pk)


@login_required
@require_POST
def reissue(request, pk: int):
    certificate = _certificate_for(request, pk, change=True)
    try:
        new = certificate_reissue(certificate=certificate, actor=request.user)
    except CertificateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Certificate %(old)s was replaced by %(new)s.") % {"old": certificate.number, "new": new.number},
        )
    return redirect("certificates:event", event_id=certificate.event_id)


@login_required
def revoke(request, pk: int):
    certificate = _certificate_for(request, pk, change=True)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_revoke(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
        except CertificateError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Certificate %(number)s was revoked.") % {"number": certificate.number})
            return redirect("certificates:event", event_id=certificate.event_id)
    return render(request, "certificates/revoke.html", {"certificate": certificate, "form": form})


# Public verification ------------------------------------------------------------------------


def _over_rate_limit(request) -> bool:
    limit, window = _rate_limit()
    key = "certificates:verify:%s" % limit_key(request)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _rate_limited_response(request):
    window = _rate_limit()[1]
    response = render(
        request, "certificates/verify_rate_limited.html", {"window_minutes": max(1, window // 60)}, status=429
    )
    response["Retry-After"] = str(window)
    return response


@require_GET
@never_cache
def verify_lookup(request):
    """The form to type a code; a valid code moves on to its verification page."""
    form = VerifyForm(request.GET or None)
    # No lookup happens here (the code's shape is checked, nothing is read), so the limit
    # is counted once, on the verification page the form leads to.
    if request.GET and form.is_valid():
        return redirect("certificates:verify", code=form.cleaned_data["code"])
    return render(
        request, "certificates/verify.html", {"form": form, "file_form": VerifyFileForm(), "looked_up": False}
    )


@require_GET
@never_cache
def verify(request, code: str):
    if _over_rate_limit(request):
        return _rate_limited_response(request)
    certificate = None
    if CODE_RE.match(code):
        certificate = Certificate.objects.select_related("replaced_by").filter(code=code).first()
    signature = None
    if certificate is not None and certificate.credential_jwt:
        signature = credential_services.credential_verify(certificate.credential_jwt)
    context = {
        "form": VerifyForm(initial={"code": code}),
        "file_form": VerifyFileForm(),
        "looked_up": True,
        "code": code,
        "certificate": certificate,
        "signature": signature,
        "now": timezone.now(),
    }
    return render(request, "certificates/verify.html", context, status=200 if certificate else 404)



# Credentials --------------------------------------------------------------------------------


def _badge_png(certificate: Certificate) -> bytes:
    base = credentials.badge_base_png(label=certificate.event_kind, city=certificate.city_name)
    return credentials.bake_png(base, certificate.credential_jwt)


def _credential_response(certificate: Certificate, kind: str) -> HttpResponse:
    token = certificate.credential_jwt
    if kind == "jwt":
        response = HttpResponse(token, content_type=credentials.JWT_MEDIA_TYPE)
        filename = "%s.credential.jwt" % certificate.number
    elif kind == "png":
        response = HttpResponse(_badge_png(certificate), content_type="image/png")
        filename = "%s.badge.png" % certificate.number
    else:
        body = credentials.pretty_json(_stored_credential(certificate))
        response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
        filename = "%s.credential.json" % certificate.number
    response["Content-Disposition"] = 'attachment; filename="%s"' % filename
    return response


def _stored_credential(certificate: Certificate) -> dict:
    """The credential as signed (the JWT's payload without the registered JWT claims)."""
    payload = credentials.unverified_payload(certificate.credential_jwt)
    return {k: v for k, v in payload.items() if k not in credentials.REGISTERED_CLAIMS}


@login_required
@require_GET
def credential_download(request, pk: int, kind: str):
    certificate = _certificate_for(request, pk)
    if not certificate.credential_jwt:
        raise Http404
    response = _credential_response(certificate, kind)
    response["Cache-Control"] = "private, no-store"
    return response


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    # Verifiers and wallets fetch these from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=%d" % max_age
    return response


@require_GET
def jwks(request):
    """Public keys only, current and retired, so certificates signed before a rotation keep verifying."""
    document = credentials.public_jwks(keys.all_keys(), jwks_url=credential_services.jwks_url())
    return _public(JsonResponse(document, content_type="application/jwk-set+json"), 300)


@require_GET
def status_list(request, list_id: int, signed: bool):
    if list_id < 1 or not keys.has_active_key():
        raise Http404
    value = credential_services.status_list(list_id, signed=signed)
    seconds = credential_services.status_list_cache_seconds()
    if signed:
        return _public(HttpResponse(value, content_type=credentials.JWT_MEDIA_TYPE), seconds)
    return _public(JsonResponse(value, content_type="application/ld+json"), seconds)


@require_GET
def verify_credential_json(request, code: str):
    """The credential of a certificate, as JSON, for whoever holds its verification code."""
    if _over_rate_limit(request):
        return _rate_limited_response(request)
    certificate = None
    if CODE_RE.match(code):
        certificate = Certificate.objects.filter(code=code).exclude(credential_jwt="").first()
    if certificate is None:
        raise Http404
    response = HttpResponse(
        credentials.pretty_json(_stored_credential(certificate)), content_type="application/ld+json; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _token_from_upload(data: bytes) -> str:
    if data[:5] == b"%PDF-":
        try:
            return pdf.pdf_credential_attachment(data) or ""
        except Exception:  # a damaged PDF is the user's file, not our error
            return ""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return credentials.read_png_credential(data) or ""
    return data.decode("utf-8", errors="replace").strip()


@require_POST
@never_cache
def verify_file(request):
    """Check a file someone was given: its embedded credential's signature, then its status."""
    if _over_rate_limit(request):
        return _rate_limited_response(request)
    form = VerifyFileForm(request.POST, request.FILES)
    result = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data["file"].read()
        token = _token_from_upload(data)
        if not token:
            result = credential_services.Verification(
                credential=None,
                certificate=None,
                error=_("This file carries no credential of EPI Events (or it was damaged)."),
            )
        else:
            result = credential_services.credential_verify(token)
        if not result.signature_valid:
            status = 422
    else:
        status = 400
    context = {
        "form": VerifyForm(),
        "file_form": form,
        "looked_up": False,
        "file_result": result,
        "certificate": result.certificate if result else None,
    }
    return render(request, "certificates/verify.html", context, status=status)
