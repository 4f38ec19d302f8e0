"""Optional PAdES B-B seals per city."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from certificates import seal
from certificates.services.certificates import certificate_issue


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture
def test_root():
    key = ec.generate_private_key(ec.SECP256R1())
    return key, _certificate(_name("EPI Test Root CA"), _name("EPI Test Root CA"), key.public_key(), key, ca=True)


def _p12(path, key, cert, extra=()):
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, cert, list(extra), serialization.BestAvailableEncryption(b"secret")
        )
    )
    return str(path)


@pytest.fixture
def city_seal(settings, tmp_path, city, test_root):
    root_key, root = test_root
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name("Seal of %s" % city.name), root.subject, key.public_key(), root_key, ca=False)
    settings.CERTIFICATE_SEALS = {city.slug: {"pkcs12": _p12(tmp_path / "seal.p12", key, cert, [root]), "passphrase": "secret"}}
    seal._signers.clear()
    yield root
    seal._signers.clear()


@pytest.mark.django_db
def test_sealed_certificate_validates_against_the_test_root_and_keeps_pdf_a(city_seal, holder_registration):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    certificate = certificate_issue(registration=holder_registration, actor=None)
    with certificate.pdf.open("rb") as fh:
        data = fh.read()
    reader = PdfFileReader(BytesIO(data))
    (signature,) = reader.embedded_signatures
    root = asn1_x509.Certificate.load(city_seal.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    # The seal is an incremental update: PDF/A-3 identification and the credential are untouched.
    pdf = pikepdf.open(BytesIO(data))
    with pdf.open_metadata() as meta:
        assert meta["pdfaid:part"] == "3"
    assert pdf.Root.AF[0].EF.F.read_bytes().decode() == certificate.credential_jwt
    # Still PDF 1.7 (PDF/A-3 is built on it), PAdES declared by the ESIC extension.
    assert pdf.pdf_version == "1.7" and "/Version" not in pdf.Root
    assert "/ESIC" in pdf.Root.Extensions


@pytest.mark.django_db
def test_a_self_signed_seal_is_refused_unless_a_test_setting_allows_it(settings, tmp_path, city):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name("Home-made seal"), _name("Home-made seal"), key.public_key(), key, ca=False)
    settings.CERTIFICATE_SEALS = {city.slug: {"pkcs12": _p12(tmp_path / "self.p12", key, cert), "passphrase": "secret"}}
    seal._signers.clear()
    with pytest.raises(seal.SealConfigurationError, match="self-signed"):
        seal.sealer_for(city)
    assert seal.check_seals() and "self-signed" in seal.check_seals()[0]
    settings.CERTIFICATE_SEAL_ALLOW_SELF_SIGNED = True
    assert seal.sealer_for(city) is not None
    seal._signers.clear()


@pytest.mark.django_db
def test_cities_without_a_seal_get_unsigned_pdfs(holder_registration, settings):
    settings.CERTIFICATE_SEALS = {}
    certificate = certificate_issue(registration=holder_registration, actor=None)
    with certificate.pdf.open("rb") as fh:
        assert b"/ByteRange" not in fh.read()


def test_a_wrong_passphrase_is_a_configuration_error_without_the_passphrase(settings, tmp_path, test_root):
    from events.models import City

    root_key, root = test_root
    path = _p12(tmp_path / "s.p12", root_key, root)
    settings.CERTIFICATE_SEALS = {"nowhere": {"pkcs12": path, "passphrase": "wrong-passphrase"}}
    seal._signers.clear()
    with pytest.raises(Exception) as excinfo:
        seal.sealer_for(City(slug="nowhere", name="Nowhere"))
    assert "wrong-passphrase" not in str(excinfo.value)


def test_system_check_reports_an_unusable_seal_and_a_missing_key(settings, tmp_path):
    from certificates import checks

    settings.CREDENTIAL_KEYS_DIR = str(tmp_path / "none")
    assert [w.id for w in checks.credential_key_check(None)] == ["certificates.W001"]
    settings.CERTIFICATE_SEALS = {"riga": {"pkcs12": str(tmp_path / "missing.p12"), "passphrase": "x"}}
    seal._signers.clear()
    assert [e.id for e in checks.seal_check(None)] == ["certificates.E001"]
