"""Credentials for certificates being issued, the site's status list, and verification.

Called by ``certificates.services.certificates`` between numbering and layout: it reads
what a credential needs (sessions attended, the holder's email), reserves each
certificate's bit in the revocation status list, and has ``certificates.credentials``
build and sign the credential with the active key. Without an active key nothing is
added and certificates are plain PDFs, as before.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from certificates import credentials, keys
from certificates.models import Certificate, CertificateSequence
from events.models import Attendance, City, Event, Registration

STATUS_SEQUENCE_PREFIX = "STATUS-LIST"
STATUS_CACHE_KEY = "certificates:status-list:%d:%s"


def jwks_url() -> str:
    return settings.SITE_URL + reverse("jwks")


def status_list_url(list_id: int) -> str:
    return settings.SITE_URL + reverse("certificates:status_list", kwargs={"list_id": list_id})


def status_position(index: int) -> tuple[int, int]:
    """(list number, position in the list) of a global status index."""
    return index // credentials.STATUS_LIST_SIZE + 1, index % credentials.STATUS_LIST_SIZE


def issuer_for(city: City) -> credentials.Issuer:
    url = settings.SITE_URL + city.get_absolute_url()
    image = ""
    if city.logo:
        image = settings.SITE_URL + city.logo.url
    return credentials.Issuer(id=url, name="%s · EPI" % city.name, url=url, image=image)


def _reserve_status_indexes(count: int) -> list[int]:
    with transaction.atomic():
        CertificateSequence.objects.get_or_create(prefix=STATUS_SEQUENCE_PREFIX, year=0)
        sequence = CertificateSequence.objects.select_for_update().get(prefix=STATUS_SEQUENCE_PREFIX, year=0)
        first = sequence.last_value
        sequence.last_value = F("last_value") + count
        sequence.save(update_fields=["last_value"])
    return list(range(first, first + count))


def _sessions_attended(registrations: Sequence[Registration], event: Event, now) -> dict[int, list]:
    rows = (
        Attendance.objects.filter(
            registration__in=[r.pk for r in registrations], present=True, session__ends_at__lte=now
        )
        .select_related("session")
        .order_by("session__starts_at", "session_id")
    )
    city = event.city
    by_registration: dict[int, list] = {}
    for attendance in rows:
        session = attendance.session
        day = timezone.localtime(session.starts_at, city.tzinfo).date().isoformat()
        by_registration.setdefault(attendance.registration_id, []).append(
            credentials.SessionEvidence(name=session.title or event.title, date=day)
        )
    return by_registration


def credentials_attach(
    *, certificates: Sequence[Certificate], registrations: Sequence[Registration], event: Event, now=None
) -> bool:
    """Give each unsaved certificate its signed credential; False (nothing done) without a key."""
    try:
        key = keys.active_key()
    except keys.NoSigningKey:
        return False
    now = now or timezone.now()
    indexes = _reserve_status_indexes(len(certificates))
    sessions = _sessions_attended(registrations, event, now)
    issuer = issuer_for(event.city)
    achievement_id = settings.SITE_URL + event.get_absolute_url()
    url = jwks_url()
    for certificate, registration, index in zip(certificates, registrations, indexes, strict=True):
        list_id, position = status_position(index)
        certificate.credential_id = uuid.uuid4()
        certificate.status_index = index
        with translation.override(certificate.language):
            area = str(event.get_area_display())
        facts = credentials.CredentialFacts(
            issuer=issuer,
            status=credentials.StatusEntry(list_url=status_list_url(list_id), index=position),
            achievement_id=achievement_id,
            holder_email=registration.user.email,
            subject_salt=secrets.token_hex(8),
            subject_id="urn:uuid:%s" % uuid.uuid4(),
            area_label=area,
            required_percent=int(getattr(registration, "required_percent", 0) or 0),
            learning_outcomes=event.learning_outcomes_in(certificate.language),
            sessions=sessions.get(registration.pk, []),
        )
        payload = credentials.build_credential(certificate, facts)
        certificate.credential_jwt = credentials.sign(payload, key=key, jwks_url=url)
    return True


# Status list ---------------------------------------------------------------------------------


def status_list_cache_seconds() -> int:
    return int(getattr(settings, "CREDENTIAL_STATUS_CACHE_SECONDS", 60))


def status_list(list_id: int, *, signed: bool) -> str | dict:
    """The status list credential (a dict, or its VC-JWT), cached for at most a minute."""
    key = STATUS_CACHE_KEY % (list_id, "jwt" if signed else "json")
    cached = cache.get(key)
    if cached is not None:
        return cached
    size = credentials.STATUS_LIST_SIZE
    start = (list_id - 1) * size
    revoked = (
        # A superseded certificate is no longer valid either: its credential reads as revoked.
        Certificate.objects.filter(
            status__in=[Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED],
            status_index__gte=start,
            status_index__lt=start + size,
        ).values_list("status_index", flat=True)
    )
    document = credentials.status_list_credential(
        list_url=status_list_url(list_id),
        issuer_id=settings.SITE_URL + "/",
        revoked=[i - start for i in revoked],
        valid_from=timezone.now(),
    )
    value: str | dict = document
    if signed:
        value = credentials.sign(document, key=keys.active_key(), jwks_url=jwks_url())
    cache.set(key, value, timeout=status_list_cache_seconds())
    return value


def status_list_forget(index: int | None) -> None:
    """Drop the cached list holding this index, so a revocation shows at once."""
    if index is None:
        return
    list_id, _ = status_position(index)
    cache.delete_many([STATUS_CACHE_KEY % (list_id, "jwt"), STATUS_CACHE_KEY % (list_id, "json")])


# Verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    """What the verification page says about a presented or stored credential."""

    credential: dict | None
    certificate: Certificate | None
    error: str = ""

    @property
    def signature_valid(self) -> bool:
        return self.credential is not None and not self.error


def credential_verify(token: str) -> Verification:
    """Check a VC-JWT against the site's keys (current and retired) and find its certificate."""
    try:
        credential = credentials.verify(token, keys=keys.all_keys(), jwks_url=jwks_url())
    except credentials.CredentialInvalid as exc:
        return Verification(credential=None, certificate=None, error=str(exc))
    certificate = None
    try:
        credential_id = uuid.UUID(str(credential.get("id", "")).removeprefix("urn:uuid:"))
    except ValueError:
        credential_id = None
    if credential_id:
        certificate = Certificate.objects.select_related("replaced_by").filter(credential_id=credential_id).first()
    return Verification(credential=credential, certificate=certificate)
