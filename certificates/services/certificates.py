"""The only door through which certificates are issued, re-issued and revoked, and
through which bulk issuing jobs start and run.

Issuing a group follows the same four steps as issuing one:

1. read the eligible registrations that still lack a certificate (one aggregate query);
2. reserve certificate numbers (a short lock on the year's counter);
3. lay out the PDFs and write them to storage, outside any transaction, so no lock is
   held while WeasyPrint works;
4. in one transaction, insert the rows and queue the emails. The partial unique index
   (one valid certificate per registration) makes a second run, or a race with another
   trainer, write nothing twice; files of rows that lost such a race are deleted.

A number reserved in step 2 by a run that then loses a race is not reused: numbers
can have gaps, never duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, Min, OuterRef, QuerySet
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from api.models import WebhookEventType
from api.services.webhooks import webhook_emit
from certificates import pdf, seal
from certificates.models import (
    REVOKE_REASON_MAX_LENGTH,
    Certificate,
    CertificateBatch,
    CertificateSequence,
    certificate_upload_to,
)
from certificates.services.credentials import credentials_attach, status_list_forget
from certificates.services.eligibility import hours_from, registrations_with_attendance
from events.models import City, Event, Registration, Session
from outbox.dispatch import dispatch
from outbox.services.emails import email_queue

logger = logging.getLogger(__name__)

# The task that runs one part of a batch (certificates.tasks).
BATCH_TASK = "certificates.tasks.issue_certificate_batch"
# Certificates laid out per document and written per transaction: large enough to
# amortise WeasyPrint's fixed costs, small enough that memory stays flat.
CHUNK_SIZE = 25
# A job that has not moved for this long has lost its worker and may be started again.
STALE_AFTER = timedelta(minutes=10)


class CertificateError(Exception):
    """A request the certificate's or event's state does not allow; ``str()`` is for the user."""


# Reading -------------------------------------------------------------------------------------


def issuable_registrations(*, event: Event, now: datetime | None = None) -> QuerySet[Registration]:
    """Eligible registrations with no standing certificate (valid or revoked) and a name to print.

    A revoked certificate keeps the bulk job away on purpose: giving that person a new
    one is a decision a trainer takes for them alone.
    """
    standing = Certificate.objects.current().filter(registration=OuterRef("pk"))
    return (
        registrations_with_attendance(event=event, now=now)
        .filter(is_eligible=True)
        .exclude(user__full_name="")
        .exclude(Exists(standing))
    )


def certificate_prefix(city: City) -> str:
    """EPI-RIG for Riga: the first three letters of the city's slug."""
    letters = "".join(ch for ch in city.slug if ch.isalnum())[:3].upper() or "XXX"
    return f"EPI-{letters}"


# Writing -------------------------------------------------------------------------------------


def _reserve_numbers(*, city: City, year: int, count: int) -> list[str]:
    prefix = certificate_prefix(city)
    with transaction.atomic():
        CertificateSequence.objects.get_or_create(prefix=prefix, year=year)
        sequence = CertificateSequence.objects.select_for_update().get(prefix=prefix, year=year)
        first = sequence.last_value + 1
        sequence.last_value = F("last_value") + count
        sequence.save(update_fields=["last_value"])
    return ["%s-%d-%06d" % (prefix, year, n) for n in range(first, first + count)]


def _event_facts(event: Event, now: datetime) -> dict:
    """What every certificate of the event prints alike; two queries per chunk."""
    city = event.city
    bounds = Session.objects.filter(event=event, ends_at__lte=now).aggregate(first=Min("starts_at"), last=Max("ends_at"))
    if bounds["first"] is None:
        raise CertificateError(_("No session of this event has ended yet."))
    trainers = sorted((t.display_name for t in event.trainers.all()), key=str.casefold)
    return {
        "city": city,
        "first_date": timezone.localtime(bounds["first"], city.tzinfo).date(),
        "last_date": timezone.localtime(bounds["last"], city.tzinfo).date(),
        "trainer_names": trainers,
    }


def default_funding_line() -> str:
    """The funding line of cities that have none of their own, in the current language."""
    return settings.CERTIFICATE_FUNDING_LINE or _(
        "European Pact for Integration (EPI), co-funded by the European Union."
    )


def _build(*, registration: Registration, event: Event, facts: dict, number: str, actor: User | None,
           batch: CertificateBatch | None, issued_at: datetime) -> Certificate:
    """An unsaved certificate with everything it prints copied in."""
    user = registration.user
    city = facts["city"]
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        kind = str(event.get_kind_display())
        funding_line = city.funding_line or default_funding_line()
    certificate = Certificate(
        number=number,
        registration=registration,
        holder=user,
        event=event,
        batch=batch,
        language=language,
        holder_name=user.full_name,
        # Frozen in the holder's language (or the nearest one the organizers wrote) when issued.
        event_title=event.localized("title", language).text,
        event_kind=kind,
        city_name=city.name,
        first_date=facts["first_date"],
        last_date=facts["last_date"],
        hours=hours_from(registration.attended_duration),
        sessions_attended=registration.attended_sessions,
        sessions_total=registration.ended_sessions,
        trainer_names=facts["trainer_names"],
        signatory_name=city.signatory_name,
        signatory_title=city.signatory_title,
        closing_text=city.certificate_closing_text,
        funding_line=funding_line,
        issued_at=issued_at,
        issued_by=actor,
    )
    return certificate


class UnprintableNameError(CertificateError):
    """The holder's name has characters no installed font can print; nothing was issued."""

    def __init__(self, certificate: Certificate, characters: set[str]):
        self.certificate = certificate
        self.characters = characters
        super().__init__(
            _(
                "The certificate for %(name)s was not issued: their name contains characters no installed "
                "font can print (%(characters)s), so it would show empty boxes. Ask them to check the name "
                "in their profile, or ask the site administrator to install a font for that script."
            )
            % {
                "name": certificate.holder_name,
                "characters": " ".join("%s (U+%04X)" % (ch, ord(ch)) for ch in sorted(characters)),
            }
        )


def _render_and_store(
    certificates: Sequence[Certificate], *, city: City
) -> tuple[list[Certificate], list[UnprintableNameError]]:
    """Lay out (tagged PDF/A-3, the signed credential inside), seal if the city has a seal,
    and store the PDFs; the ones that would print empty boxes are refused, not stored."""
    files = pdf.certificates_files(certificates)
    sealer = seal.sealer_for(city)
    stored, refused = [], []
    for certificate, file in zip(certificates, files, strict=True):
        if file.missing:
            refused.append(UnprintableNameError(certificate, set(file.missing)))
            continue
        data = file.data
        if sealer is not None:
            data = sealer.seal(data)
        name = certificate_upload_to(certificate, certificate.filename)
        certificate.pdf.name = default_storage.save(name, ContentFile(data))
        stored.append(certificate)
    return stored, refused


def _discard_files(certificates: Sequence[Certificate]) -> None:
    for certificate in certificates:
        if certificate.pdf.name:
            default_storage.delete(certificate.pdf.name)


def _announce(certificate: Certificate) -> None:
    """Email the holder, with the PDF attached, once the row is committed (and queue the webhooks)."""
    webhook_emit(
        event_type=WebhookEventType.CERTIFICATE_ISSUED,
        city_id=certificate.event.city_id,
        data={"event": certificate.event_id, "certificate": certificate.pk},
    )
    if certificate.holder is None:
        return
    email_queue(
        user=certificate.holder,
        template="certificate_issued",
        context={
            "certificate": certificate,
            "download_url": settings.SITE_URL + certificate.get_absolute_url(),
            "verification_url": certificate.verification_url,
            "certificates_url": settings.SITE_URL + reverse("certificates:mine"),
        },
        event=certificate.event,
        dedupe_key=f"certificate-issued:{certificate.pk}",
        attachment=(certificate.filename, certificate.pdf.name, "application/pdf"),
    )


def _prepare(*, event: Event, registrations: Sequence[Registration], actor: User | None,
             batch: CertificateBatch | None = None, now: datetime | None = None,
             refused: list[UnprintableNameError] | None = None) -> list[Certificate]:
    """Steps 2 and 3: numbered, rendered, stored, not yet saved.

    A certificate whose name no installed font can print is left out; with ``refused``
    given it is reported there, otherwise its error is raised.
    """
    now = now or timezone.now()
    facts = _event_facts(event, now)
    year = timezone.localtime(now, event.city.tzinfo).year
    numbers = _reserve_numbers(city=event.city, year=year, count=len(registrations))
    certificates = [
        _build(registration=r, event=event, facts=facts, number=n, actor=actor, batch=batch, issued_at=now)
        for r, n in zip(registrations, numbers, strict=True)
    ]
    credentials_attach(certificates=certificates, registrations=registrations, event=event, now=now)
    stored, unprintable = _render_and_store(certificates, city=event.city)
    if unprintable:
        if refused is None:
            _discard_files(stored)
            raise unprintable[0]
        refused.extend(unprintable)
    return stored


def _insert(certificates: list[Certificate]) -> list[Certificate]:
    """Step 4: write the rows and queue the emails; skip the ones another run wrote first."""
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create(certificates)
            for certificate in certificates:
                _announce(certificate)
        return certificates
    except IntegrityError:
        pass
    # Somebody issued part of this chunk meanwhile: keep what is still free, one by one.
    written, lost = [], []
    for certificate in certificates:
        certificate.pk = None
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
                _announce(certificate)
            written.append(certificate)
        except IntegrityError:
            lost.append(certificate)
    _discard_files(lost)
    return written


def _load_for_issue(registration: Registration, *, now: datetime | None = None) -> Registration:
    row = registrations_with_attendance(event=registration.event, now=now).filter(pk=registration.pk).first()
    if row is None:
        raise CertificateError(_("Only confirmed participants can receive a certificate."))
    if not row.is_eligible:
        raise CertificateError(
            _("%(name)s attended %(attended)d of %(ended)d sessions; this event asks for %(percent)d %%.")
            % {
                "name": row.user.display_name,
                "attended": row.attended_sessions,
                "ended": row.ended_sessions,
                "percent": row.required_percent,
            }
        )
    if not row.user.full_name.strip():
        raise CertificateError(
            _("%(email)s has no full name in their profile yet; a certificate needs the name to print.")
            % {"email": row.user.email}
        )
    return row


def certificate_issue(*, registration: Registration, actor: User | None) -> Certificate:
    """Issue one participant's certificate (also after a revocation)."""
    event = Event.objects.select_related("city").get(pk=registration.event_id)
    registration.event = event
    if Certificate.objects.valid().filter(registration=registration).exists():
        raise CertificateError(_("This participant already has a valid certificate."))
    row = _load_for_issue(registration)
    certificates = _prepare(event=event, registrations=[row], actor=actor)
    written = _insert(certificates)
    if not written:
        raise CertificateError(_("This participant already has a valid certificate."))
    return written[0]


def certificate_reissue(*, certificate: Certificate, actor: User | None) -> Certificate:
    """Replace a valid certificate by a new one (new number, current name and attendance).

    The old one stays verifiable and says it was superseded, with a link to the new one.
    """
    if not certificate.is_valid:
        raise CertificateError(_("Only a valid certificate can be re-issued."))
    if certificate.registration_id is None:
        raise CertificateError(_("The participant's registration no longer exists."))
    registration = Registration.objects.select_related("user", "event__city").get(pk=certificate.registration_id)
    row = _load_for_issue(registration)
    event = registration.event
    (new,) = _prepare(event=event, registrations=[row], actor=actor)
    try:
        with transaction.atomic():
            old = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if not old.is_valid:
                raise CertificateError(_("This certificate was changed meanwhile; reload the page."))
            old.status = Certificate.Status.SUPERSEDED
            old.superseded_at = new.issued_at
            old.save(update_fields=["status", "superseded_at"])
            new.replaces = old
            new.save(force_insert=True)
            _announce(new)
            old_index = old.status_index
            transaction.on_commit(lambda: status_list_forget(old_index))
    except (CertificateError, IntegrityError):
        _discard_files([new])
        raise
    certificate.refresh_from_db()
    return new


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor: User | None, reason: str) -> Certificate:
    """Withdraw a certificate; its verification page then says so, with the date and reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Please give the reason for revoking this certificate."))
    if len(reason) > REVOKE_REASON_MAX_LENGTH:
        raise CertificateError(
            ngettext(
                "The reason is longer than %(max)d character.",
                "The reason is longer than %(max)d characters.",
                REVOKE_REASON_MAX_LENGTH,
            )
            % {"max": REVOKE_REASON_MAX_LENGTH}
        )
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not locked.is_valid:
        raise CertificateError(_("Only a valid certificate can be revoked."))
    locked.status = Certificate.Status.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoked_reason = reason
    locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    webhook_emit(
        event_type=WebhookEventType.CERTIFICATE_REVOKED,
        city_id=Event.objects.values_list("city_id", flat=True).get(pk=locked.event_id),
        data={"event": locked.event_id, "certificate": locked.pk},
    )
    index = locked.status_index
    transaction.on_commit(lambda: status_list_forget(index))
    return locked


# Bulk jobs -----------------------------------------------------------------------------------


def _is_stale(batch: CertificateBatch, now: datetime) -> bool:
    return batch.is_active and batch.updated_at < now - STALE_AFTER


def batch_parts() -> int:
    """Tasks one job is split into: one per worker process that can lay out PDFs at once.

    Without a broker everything runs in this process, so one part.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 1
    return max(1, int(getattr(settings, "CERTIFICATES_BATCH_PARTS", 2)))


def certificate_batch_start(*, event: Event, actor: User | None) -> CertificateBatch:
    """Start issuing to everyone eligible; returns at once, the work runs after commit.

    Clicking twice, or two trainers at once, gives the same running job. Without workers the
    job runs on a background thread of this process (a long job: the trainer's page answers at
    once and polls); it is resumable, so a process that exits mid-way loses nothing but time.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Event.objects.lock(event.pk)
        active = CertificateBatch.objects.filter(event=locked, status__in=CertificateBatch.ACTIVE_STATUSES).first()
        if active and not _is_stale(active, now):
            return active
        if active:
            CertificateBatch.objects.filter(pk=active.pk).update(
                status=CertificateBatch.Status.FAILED,
                error="The job stopped responding and was replaced.",
                finished_at=now,
            )
        total = issuable_registrations(event=locked, now=now).count()
        batch = CertificateBatch.objects.create(event=locked, created_by=actor, total=total, parts=batch_parts())
        if total == 0:
            batch.status = CertificateBatch.Status.DONE
            batch.finished_at = now
            batch.save(update_fields=["status", "finished_at", "updated_at"])
            return batch
        # One task per part: a worker with --concurrency 2 lays out two groups of PDFs at once.
        for part in range(batch.parts):
            dispatch(BATCH_TASK, batch.pk, part, batch.parts, long=True)
    return batch


def _record_refused(batch_id: int, refused: Sequence[UnprintableNameError]) -> None:
    """Name, on the job, the holders left out because their name cannot be printed."""
    names = [error.certificate.holder_name for error in refused]
    with transaction.atomic():  # parts of one job may report at once
        batch = CertificateBatch.objects.select_for_update().get(pk=batch_id)
        batch.unprintable_names = [*batch.unprintable_names, *names]
        batch.save(update_fields=["unprintable_names"])


def certificate_batch_run(
    *, batch_id: int, part: int = 0, parts: int = 1, chunk_size: int = CHUNK_SIZE
) -> CertificateBatch | None:
    """Do one part of a job, chunk by chunk (called by the task). Safe to run twice or to resume.

    Part ``k`` of ``n`` takes the registrations whose id is ``k`` modulo ``n``, so parts
    never compete for the same rows; the last part to finish closes the job.
    """
    claimed = CertificateBatch.objects.filter(pk=batch_id, status__in=CertificateBatch.ACTIVE_STATUSES).update(
        status=CertificateBatch.Status.RUNNING
    )
    if not claimed:
        return CertificateBatch.objects.filter(pk=batch_id).first()
    batch = CertificateBatch.objects.select_related("event__city", "created_by").get(pk=batch_id)
    event = batch.event
    last_pk = 0
    try:
        while True:
            now = timezone.now()
            rows = issuable_registrations(event=event, now=now).filter(pk__gt=last_pk)
            if parts > 1:
                rows = rows.annotate(part=F("pk") % parts).filter(part=part)
            rows = list(rows.order_by("pk")[:chunk_size])
            if not rows:
                break
            last_pk = rows[-1].pk
            refused: list[UnprintableNameError] = []
            written = _insert(
                _prepare(event=event, registrations=rows, actor=batch.created_by, batch=batch, now=now, refused=refused)
            )
            if refused:
                _record_refused(batch_id, refused)
            progressed = CertificateBatch.objects.filter(pk=batch_id, status=CertificateBatch.Status.RUNNING).update(
                done=F("done") + len(rows),
                total=Greatest(F("total"), F("done") + len(rows)),
                issued=F("issued") + len(written),
                updated_at=timezone.now(),
            )
            del rows, written
            if not progressed:  # another part failed, or the job was replaced
                return CertificateBatch.objects.filter(pk=batch_id).first()
    except Exception as exc:
        logger.exception("Certificate batch %s (part %s of %s) failed", batch_id, part, parts)
        CertificateBatch.objects.filter(pk=batch_id).update(
            status=CertificateBatch.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    CertificateBatch.objects.filter(pk=batch_id).update(parts_done=F("parts_done") + 1)
    CertificateBatch.objects.filter(
        pk=batch_id, status=CertificateBatch.Status.RUNNING, parts_done__gte=F("parts")
    ).update(status=CertificateBatch.Status.DONE, done=F("total"), finished_at=timezone.now())
    batch.refresh_from_db()
    return batch
