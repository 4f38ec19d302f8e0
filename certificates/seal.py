"""Optional PAdES B-B electronic seals per city, with pyhanko.

A city that holds a qualified (or advanced) seal certificate gets certificates sealed
after layout; the seal is an incremental update, so the PDF/A-3 file and its attached
credential stay byte for byte what was laid out. Cities without a seal are unaffected.

Configuration lives in settings, never in the database or in logs::

    CERTIFICATE_SEALS = {
        "riga": {"pkcs12": "/etc/epi/seals/riga.p12", "passphrase": "…"},
        "lublin": {"pkcs11": {"module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "epi",
                              "key_label": "lublin-seal", "pin": "…"}},
    }

(``CERTIFICATE_SEALS`` is read from the environment as JSON.) A self-signed seal is
refused — a verifier could not tell it from a forgery — unless
``CERTIFICATE_SEAL_ALLOW_SELF_SIGNED`` is on, which only test settings do.
"""

from __future__ import annotations

import threading
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from events.models import City

SEAL_FIELD = "EPI-Seal"
SEAL_BYTES_RESERVED = 12 * 1024
_lock = threading.Lock()
_signers: dict[tuple, object] = {}


class SealConfigurationError(ImproperlyConfigured):
    """The city's seal cannot be used; the message names the city, never a secret."""


def _config(city: City) -> dict | None:
    seals = getattr(settings, "CERTIFICATE_SEALS", None) or {}
    return seals.get(city.slug)


def is_self_signed(certificate) -> bool:
    """True for an asn1crypto certificate whose issuer is its own subject."""
    return certificate.subject == certificate.issuer or certificate.self_signed in ("yes", "maybe")


def _load_signer(slug: str, config: dict):
    from pyhanko.sign import signers

    if "pkcs12" in config:
        passphrase = config.get("passphrase")
        signer = signers.SimpleSigner.load_pkcs12(
            pfx_file=config["pkcs12"], passphrase=passphrase.encode() if passphrase else None
        )
        if signer is None:
            raise SealConfigurationError("The seal of %s could not be read (PKCS#12 file or passphrase)." % slug)
    elif "pkcs11" in config:
        # Needs python-pkcs11 and the HSM's PKCS#11 module on the machine.
        from pyhanko.sign import pkcs11

        options = config["pkcs11"]
        session = pkcs11.open_pkcs11_session(
            options["module"], token_label=options.get("token_label"), user_pin=options.get("pin")
        )
        signer = pkcs11.PKCS11Signer(
            session, key_label=options.get("key_label"), cert_label=options.get("cert_label", options.get("key_label"))
        )
    else:
        raise SealConfigurationError("The seal of %s names neither a PKCS#12 file nor a PKCS#11 token." % slug)
    if is_self_signed(signer.signing_cert) and not getattr(settings, "CERTIFICATE_SEAL_ALLOW_SELF_SIGNED", False):
        raise SealConfigurationError(
            "The seal of %s is self-signed; use a certificate issued by a trust service provider." % slug
        )
    return signer


def _pdf_a3_signer_class():
    """pyhanko's signer, kept at PDF 1.7 so the sealed file stays PDF/A-3.

    pyhanko declares ISO 32002 (and so PDF 2.0) for ECDSA keys; PDF/A-3 is built on
    PDF 1.7, where PAdES is declared with the ESIC developer extension alone, and
    readers have long verified ECDSA there too.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants

    class PdfA3Signer(signers.PdfSigner):
        def register_extensions(self, pdf_out, *, md_algorithm):
            if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
                pdf_out.ensure_output_version(version=(1, 7))
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return PdfA3Signer


class Sealer:
    def __init__(self, signer, *, name: str, bytes_reserved: int = 0):
        self.signer = signer
        self.name = name
        self.bytes_reserved = bytes_reserved or SEAL_BYTES_RESERVED

    def seal(self, data: bytes) -> bytes:
        """The PDF with a PAdES B-B seal (CAdES detached, SHA-256) in a new signature field."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(BytesIO(data))
        meta = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=self.name,
            reason="Certificate of attendance issued by %s" % self.name,
        )
        # A fixed reservation skips pyhanko's dry run that sizes the signature (a second
        # CMS encoding, ~40 % of the cost); 12 KiB holds the CMS with a certificate chain
        # (a seal's config may raise it with "bytes_reserved" for a long chain).
        out = _pdf_a3_signer_class()(meta, signer=self.signer).sign_pdf(writer, bytes_reserved=self.bytes_reserved)
        return out.getvalue()


def sealer_for(city: City) -> Sealer | None:
    """The city's sealer, loaded once per process; None if the city has no seal."""
    config = _config(city)
    if not config:
        return None
    key = (city.slug, repr(sorted(config.items())), getattr(settings, "CERTIFICATE_SEAL_ALLOW_SELF_SIGNED", False))
    with _lock:
        signer = _signers.get(key)
        if signer is None:
            signer = _signers[key] = _load_signer(city.slug, config)
    return Sealer(signer, name=city.name, bytes_reserved=int(config.get("bytes_reserved", 0)))


def check_seals() -> list[str]:
    """Problems with the configured seals (for the system check and the command)."""
    from events.models import City

    problems = []
    for slug in getattr(settings, "CERTIFICATE_SEALS", None) or {}:
        try:
            sealer_for(City(slug=slug, name=slug))
        except Exception as exc:  # any failure to load a seal is a configuration problem
            problems.append(str(exc) or type(exc).__name__)
    return problems
