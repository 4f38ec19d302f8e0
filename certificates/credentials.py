"""Open Badges 3.0 credentials: the only module that builds and signs them.

A pure builder, like ``certificates.pdf``: a certificate, the facts the caller read for
it and a key go in; a dict, a compact JWS (VC-JWT) or PNG bytes come out. Nothing here
reads the database, storage, key files or a request, and nothing logs a key.

What a credential says (OB 3.0.3, on the W3C VC Data Model 2.0):

* ``issuer`` — the city, as a Profile whose ``id`` and ``url`` are its page on the site;
* ``credentialSubject`` — an opaque ``urn:uuid`` plus a salted SHA-256 hash of the
  holder's email (``identityType`` ``emailAddress``), never the address itself;
* ``achievement`` — the event: name, description (kind, city, learning outcomes),
  criteria narrative (the attendance rule), ``fieldOfStudy`` (the strategy area) and a
  result description "hours attended", whose value the subject's ``result`` carries;
* ``evidence`` — one entry per session attended;
* ``credentialStatus`` — a ``BitstringStatusListEntry`` into the site's revocation list.

The JWT payload is the credential itself plus the registered claims ``iss`` (issuer
id), ``jti`` (credential id), ``sub`` (subject id) and ``nbf``/``iat`` (``validFrom``);
the header carries ``alg`` ES256, ``typ`` JWT and a ``kid`` that is the URL of the
site's JWKS with the key's thumbprint as fragment.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from joserfc import jwt
from joserfc.errors import JoseError

from certificates.wording import kind_sentence

if TYPE_CHECKING:
    from certificates.keys import SigningKey
    from certificates.models import Certificate

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ALGORITHM = "ES256"
JWT_MEDIA_TYPE = "application/vc+jwt"
PNG_KEYWORD = "openbadgecredential"
# W3C Bitstring Status List: at least 131,072 entries per list, so one revocation
# cannot be told from the list's size (herd privacy).
STATUS_LIST_SIZE = 131_072


class CredentialInvalid(Exception):
    """A credential that does not verify; ``str()`` is a translated message for people."""


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    url: str
    image: str = ""
    email: str = ""


@dataclass(frozen=True)
class StatusEntry:
    list_url: str
    index: int


@dataclass(frozen=True)
class SessionEvidence:
    name: str
    date: str  # ISO date in the city's zone


@dataclass(frozen=True)
class CredentialFacts:
    """What the caller read for one certificate, beyond the frozen certificate row."""

    issuer: Issuer
    status: StatusEntry
    achievement_id: str
    holder_email: str
    subject_salt: str
    subject_id: str  # urn:uuid:…
    area_label: str
    required_percent: int
    learning_outcomes: str = ""
    sessions: Sequence[SessionEvidence] = field(default_factory=tuple)
    verification_url: str = ""


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash of an email address: ``sha256$`` + hex(SHA-256(email + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def _attended_sentence(value: Decimal) -> str:
    """The sentence, with the plural form its number of hours takes (a fraction has its own)."""
    hours = Decimal(value)
    if hours != hours.to_integral_value():
        return pgettext(
            "a number of hours with a fraction, e.g. 7.5", "%(name)s attended %(hours)s hours of “%(event)s” in %(city)s."
        )
    return ngettext(
        "%(name)s attended %(hours)s hour of “%(event)s” in %(city)s.",
        "%(name)s attended %(hours)s hours of “%(event)s” in %(city)s.",
        int(hours),
    )


def _hours(value: Decimal) -> str:
    hours = Decimal(value)
    return str(int(hours)) if hours == hours.to_integral_value() else str(hours.normalize())


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _description(certificate: Certificate, facts: CredentialFacts) -> str:
    # The certificate's own sentence for its kind of event, so the words agree in every language.
    text = kind_sentence(certificate) + "."
    outcomes = [line.strip(" -*\t") for line in facts.learning_outcomes.splitlines() if line.strip(" -*\t")]
    if outcomes:
        text += "\n\n" + gettext("Learning outcomes:") + "\n" + "\n".join("- %s" % line for line in outcomes)
    return text


def _criteria(facts: CredentialFacts) -> str:
    return gettext(
        "Awarded to participants who attended at least %(percent)d %% of the sessions held."
    ) % {"percent": facts.required_percent}


def build_credential(certificate: Certificate, facts: CredentialFacts) -> dict:
    """The OpenBadgeCredential of a certificate, in the certificate's language."""
    with translation.override(certificate.language):
        hours_id = facts.achievement_id + "#hours"
        issuer = {"id": facts.issuer.id, "type": ["Profile"], "name": facts.issuer.name, "url": facts.issuer.url}
        if facts.issuer.image:
            issuer["image"] = {"id": facts.issuer.image, "type": "Image"}
        if facts.issuer.email:
            issuer["email"] = facts.issuer.email
        achievement = {
            "id": facts.achievement_id,
            "type": ["Achievement"],
            "achievementType": "Course",
            "name": certificate.event_title,
            "description": _description(certificate, facts),
            "criteria": {"narrative": _criteria(facts)},
            "fieldOfStudy": facts.area_label,
            "inLanguage": certificate.language,
            "resultDescription": [
                {
                    "id": hours_id,
                    "type": ["ResultDescription"],
                    "name": gettext("Hours attended"),
                    "resultType": "ext:Hours",
                }
            ],
        }
        evidence = [
            {
                "type": ["Evidence"],
                "name": session.name,
                "description": pgettext("credential evidence", "Attended on %(date)s") % {"date": session.date},
            }
            for session in facts.sessions
        ]
        status_id = "%s#%d" % (facts.status.list_url, facts.status.index)
        credential = {
            "@context": list(CONTEXTS),
            "id": "urn:uuid:%s" % certificate.credential_id,
            "type": list(CREDENTIAL_TYPES),
            "name": gettext("Certificate of attendance: %(event)s") % {"event": certificate.event_title},
            "description": _attended_sentence(certificate.hours) % {
                "name": certificate.holder_name,
                "hours": _hours(certificate.hours),
                "event": certificate.event_title,
                "city": certificate.city_name,
            },
            "issuer": issuer,
            "validFrom": _utc(certificate.issued_at),
            "credentialSubject": {
                "id": facts.subject_id,
                "type": ["AchievementSubject"],
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityHash": identity_hash(facts.holder_email, facts.subject_salt),
                        "identityType": "emailAddress",
                        "hashed": True,
                        "salt": facts.subject_salt,
                    }
                ],
                "achievement": achievement,
                "activityStartDate": certificate.first_date.isoformat() + "T00:00:00Z",
                "activityEndDate": certificate.last_date.isoformat() + "T23:59:59Z",
                "result": [{"type": ["Result"], "resultDescription": hours_id, "value": _hours(certificate.hours)}],
            },
            "credentialStatus": {
                "id": status_id,
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(facts.status.index),
                "statusListCredential": facts.status.list_url,
            },
            "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
        }
        if evidence:
            credential["evidence"] = evidence
    return credential


# Signing and verifying -----------------------------------------------------------------------


def key_url(jwks_url: str, key_id: str) -> str:
    return "%s#%s" % (jwks_url, key_id)


def sign(payload: dict, *, key: SigningKey, jwks_url: str) -> str:
    """A compact JWS (ES256) of the payload, with the registered JWT claims a VC-JWT needs."""
    claims = dict(payload)
    if "issuer" in payload:
        subject = payload.get("credentialSubject") or {}
        nbf = int(datetime.strptime(payload["validFrom"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
        issuer = payload["issuer"]
        claims.update(iss=issuer["id"] if isinstance(issuer, dict) else issuer, jti=payload["id"], nbf=nbf, iat=nbf)
        if subject.get("id"):
            claims["sub"] = subject["id"]
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_url(jwks_url, key.key_id)}
    return jwt.encode(header, claims, key.key)


REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "iat", "exp")


def public_jwks(keys: Iterable[SigningKey], *, jwks_url: str) -> dict:
    """The JSON Web Key Set to publish: public parameters only, one entry per key ever used."""
    entries = []
    for k in keys:
        public = {name: value for name, value in k.key.as_dict(private=False).items() if name != "d"}
        entries.append({**public, "kid": key_url(jwks_url, k.key_id), "alg": ALGORITHM, "use": "sig"})
    return {"keys": entries}


def _header(token: str) -> dict:
    segment = token.split(".", 1)[0]
    header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header


def verify(token: str, *, keys: Iterable[SigningKey], jwks_url: str) -> dict:
    """The credential inside a VC-JWT whose signature checks against one of our keys.

    The key is found by the thumbprint after the ``#`` of the header's ``kid``, so a
    credential keeps verifying if the site's address changes. Raises
    ``CredentialInvalid`` with a message for people when the token is damaged, altered,
    or signed by a key that is not the site's.
    """
    token = (token or "").strip()
    if token.count(".") != 2:
        raise CredentialInvalid(gettext("This is not a signed credential (a JWT has three parts separated by dots)."))
    try:
        header = _header(token)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CredentialInvalid(gettext("The credential is damaged and cannot be read.")) from exc
    key_id = str(header.get("kid", "")).rsplit("#", 1)[-1]
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None or header.get("alg") != ALGORITHM:
        raise CredentialInvalid(gettext("The credential was not signed with a key of this site."))
    try:
        decoded = jwt.decode(token, key.key, algorithms=[ALGORITHM])
    except JoseError as exc:
        if type(exc).__name__ == "BadSignatureError":
            raise CredentialInvalid(
                gettext("The credential's signature does not match its content: it was altered after it was issued.")
            ) from exc
        raise CredentialInvalid(gettext("The credential is damaged and cannot be read.")) from exc
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CredentialInvalid(gettext("The credential is damaged and cannot be read.")) from exc
    claims = dict(decoded.claims)
    if claims.get("jti") and claims.get("jti") != claims.get("id"):
        raise CredentialInvalid(gettext("The credential's identifiers do not agree with each other."))
    return {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}


def unverified_payload(token: str) -> dict:
    """The credential inside a JWT without checking anything (for display after a failure)."""
    try:
        segment = token.strip().split(".")[1]
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (IndexError, ValueError):
        return {}


def pretty_json(credential: dict) -> bytes:
    return json.dumps(credential, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


# Bitstring Status List -----------------------------------------------------------------------


def encode_status_list(revoked: Iterable[int], *, size: int = STATUS_LIST_SIZE) -> str:
    """Multibase base64url (``u``) of the GZIP-compressed bitstring; bit 0 is the first byte's highest."""
    bits = bytearray(size // 8)
    for index in revoked:
        if 0 <= index < size:
            bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    data = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_bit(encoded: str, index: int) -> bool:
    bits = decode_status_list(encoded)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(*, list_url: str, issuer_id: str, revoked: Iterable[int], valid_from: datetime) -> dict:
    """The BitstringStatusListCredential the ``statusListCredential`` URLs point to."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _utc(valid_from),
        "credentialSubject": {
            "id": list_url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked),
        },
    }


# Badge image ---------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def badge_base_png(*, label: str, city: str, colour: str = "#1d4e89") -> bytes:
    """A plain round badge (400×400) with the event area and the city, for wallets to show."""
    from PIL import Image, ImageDraw, ImageFont

    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=colour, outline="#f2c94c", width=12)
    try:
        big = ImageFont.truetype("DejaVuSans-Bold.ttf", 64)
        small = ImageFont.truetype("DejaVuSans.ttf", 26)
    except OSError:
        big = small = ImageFont.load_default()
    draw.text((size / 2, size / 2 - 30), "EPI", fill="white", font=big, anchor="mm")
    draw.text((size / 2, size / 2 + 40), city[:24], fill="white", font=small, anchor="mm")
    draw.text((size / 2, size / 2 + 80), label[:28], fill="#f2c94c", font=small, anchor="mm")
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def bake_png(png: bytes, token: str) -> bytes:
    """The PNG with the signed credential in an ``iTXt`` chunk named ``openbadgecredential``.

    The chunk goes right after IHDR (OB 3.0 baking); an earlier credential chunk is
    replaced, so baking twice leaves one.
    """
    signature, rest = png[:8], png[8:]
    if signature != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    chunks = []
    offset = 0
    while offset < len(rest):
        (length,) = struct.unpack(">I", rest[offset : offset + 4])
        kind = rest[offset + 4 : offset + 8]
        data = rest[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"iTXt" and data.split(b"\x00", 1)[0] == PNG_KEYWORD.encode():
            continue
        chunks.append((kind, data))
    # keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, text
    itxt = PNG_KEYWORD.encode("latin-1") + b"\x00\x00\x00\x00\x00" + token.encode("utf-8")
    out = [signature]
    for i, (kind, data) in enumerate(chunks):
        out.append(_png_chunk(kind, data))
        if i == 0:
            out.append(_png_chunk(b"iTXt", itxt))
    return b"".join(out)


def read_png_credential(png: bytes) -> str | None:
    """The text of the ``openbadgecredential`` iTXt chunk, if the PNG carries one."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    offset = 8
    while offset + 8 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"iTXt":
            keyword, _, rest = data.partition(b"\x00")
            if keyword == PNG_KEYWORD.encode():
                flag = rest[0]
                rest = rest[2:]
                _language, _, rest = rest.partition(b"\x00")
                _translated, _, text = rest.partition(b"\x00")
                if flag:
                    text = zlib.decompress(text)
                return text.decode("utf-8")
        if kind == b"IEND":
            break
    return None
