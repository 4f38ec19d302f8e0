from io import BytesIO

import pypdf
import pytest
from django.utils import translation

from certificates.pdf import signin_sheet_pdf
from events.models import Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

A4_PORTRAIT = (595, 842)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(BytesIO(data)).pages)


@pytest.mark.django_db
def test_signin_sheet_lists_confirmed_participants_with_session_details(city):
    event = EventFactory(city=city, title="Intercultural competence for front-desk staff")
    session = event.sessions.get()
    session.room = "Sēdžu zāle 2"
    session.save()
    RegistrationFactory(event=event, user=UserFactory(full_name="Łucja Ștefănescu-Åström"))
    RegistrationFactory(event=event, user=UserFactory(full_name="Ελένη Παπαδοπούλου"))
    RegistrationFactory(event=event, user=UserFactory(full_name="Gone Person"), status=Registration.Status.CANCELLED)

    data = signin_sheet_pdf(session=session, registrations=event.registrations.select_related("user"))

    reader = pypdf.PdfReader(BytesIO(data))
    width, height = (round(float(v)) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == A4_PORTRAIT
    text = _text(data)
    assert "Intercultural competence for front-desk staff" in text
    assert "Łucja Ștefănescu-Åström" in text
    assert "Ελένη Παπαδοπούλου" in text
    assert "Gone Person" not in text
    assert "Sēdžu zāle 2" in text
    assert "Europe/Riga" in text
    assert "Walk-in participants" in text


@pytest.mark.django_db
def test_signin_sheet_for_a_large_group_runs_over_several_pages(city):
    event = EventFactory(city=city)
    for _ in range(40):
        RegistrationFactory(event=event)
    data = signin_sheet_pdf(session=event.sessions.get(), registrations=event.registrations.select_related("user"))
    assert len(pypdf.PdfReader(BytesIO(data)).pages) >= 2


@pytest.mark.django_db
def test_signin_sheet_is_in_the_current_language(city):
    event = EventFactory(city=city)
    with translation.override("sv"):
        data = signin_sheet_pdf(session=event.sessions.get(), registrations=[])
    assert pypdf.PdfReader(BytesIO(data)).trailer["/Root"]["/Lang"] == "sv"


@pytest.mark.django_db
def test_signin_sheet_sorts_names_as_the_events_language_does(city):
    event = EventFactory(city=city, language="en")
    for name in ["Zoe Smith", "Žaneta Kalniņa", "Łucja Nowak", "Åsa Lind", "Lukas Meyer", "Anna Berg"]:
        RegistrationFactory(event=event, user=UserFactory(full_name=name))
    data = signin_sheet_pdf(session=event.sessions.get(), registrations=event.registrations.select_related("user"))
    text = _text(data)
    positions = [text.index(name) for name in
                 ["Anna Berg", "Åsa Lind", "Łucja Nowak", "Lukas Meyer", "Žaneta Kalniņa", "Zoe Smith"]]
    assert positions == sorted(positions)


@pytest.mark.django_db
@pytest.mark.parametrize("participants", [10, 11])  # sizes where the signature used to spill over alone
def test_signin_sheet_keeps_the_trainers_signature_with_the_last_rows(city, participants):
    from certificates.pdf import SIGNIN_BLANK_ROWS

    event = EventFactory(city=city)
    for _ in range(participants):
        RegistrationFactory(event=event)
    data = signin_sheet_pdf(session=event.sessions.get(), registrations=event.registrations.select_related("user"))
    last_page = pypdf.PdfReader(BytesIO(data)).pages[-1].extract_text().split("\n")
    assert "Trainer's name and signature" in last_page
    assert str(participants + SIGNIN_BLANK_ROWS) in last_page  # the last row is on the same page


# Certificates ---------------------------------------------------------------------------------

A4_LANDSCAPE = (842, 595)


def _qr_urls(data: bytes, tmp_path) -> list[str]:
    """Rasterise the page as a person's scanner would see it and decode every QR code on it."""
    import subprocess

    import zxingcpp
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.mark.django_db
def test_certificate_pdf_prints_the_name_exactly_and_the_number(holder_registration, trainer):
    from certificates.services.certificates import certificate_issue

    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    with certificate.pdf.open("rb") as fh:
        data = fh.read()
    reader = pypdf.PdfReader(BytesIO(data))
    assert len(reader.pages) == 1
    width, height = (round(float(v)) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == A4_LANDSCAPE
    text = _text(data)
    assert "Łucja Ștefănescu-Åström" in text
    assert certificate.number in text
    assert "Intercultural competence for front-desk staff" in text
    assert "Anna Bērziņa" in text
    assert "6 hours in total" in text
    assert certificate.code in text


@pytest.mark.django_db
def test_certificate_pdf_metadata_and_embedded_fonts(holder_registration, trainer):
    from certificates.services.certificates import certificate_issue

    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    with certificate.pdf.open("rb") as fh:
        reader = pypdf.PdfReader(fh)
        assert "Łucja Ștefănescu-Åström" in reader.metadata.title
        assert reader.metadata.author
        assert reader.trailer["/Root"]["/Lang"] == "en"
        fonts = reader.pages[0]["/Resources"]["/Font"]
        for ref in fonts.values():
            descendant = ref.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]


@pytest.mark.django_db
def test_qr_code_on_the_certificate_opens_its_verification_page(holder_registration, trainer, tmp_path, client):
    from certificates.services.certificates import certificate_issue

    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    with certificate.pdf.open("rb") as fh:
        data = fh.read()
    urls = _qr_urls(data, tmp_path)
    assert urls == ["https://events.example.eu/certificates/verify/%s/" % certificate.code]
    # Sharp modules (no smoothing, as PDF/A asks), and a screen reader hears what the code holds.
    import pikepdf

    pdf = pikepdf.open(BytesIO(data))
    (image,) = pdf.pages[0].get_images().values()
    assert image.Interpolate is False
    figures = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]) if kids is not None else []:
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    assert figures == [certificate.verification_url]

    response = client.get(urls[0].removeprefix("https://events.example.eu"))
    assert response.status_code == 200
    assert "Valid certificate" in response.content.decode()


@pytest.mark.django_db
def test_many_certificates_are_cut_into_one_file_each_with_its_own_language(make_attendee):
    from certificates.models import Certificate
    from certificates.pdf import certificates_pdfs

    registrations = [
        make_attendee(full_name="Ελένη Παπαδοπούλου", preferred_language="es"),
        make_attendee(full_name="Аня Петрова", preferred_language="sv"),
        make_attendee(full_name="Jürgen Groß", preferred_language="en"),
    ]
    certificates = [
        Certificate(
            number=f"EPI-RIG-2026-00000{i}", event=r.event, language=r.user.preferred_language,
            holder_name=r.user.full_name, event_title=r.event.title, event_kind="Training", city_name="Riga",
            first_date=r.event.starts_at.date(), last_date=r.event.ends_at.date(), hours=6, sessions_attended=2,
            sessions_total=2, trainer_names=["Anna Bērziņa"],
        )
        for i, r in enumerate(registrations)
    ]
    files = certificates_pdfs(certificates)
    assert len(files) == 3
    for data, certificate in zip(files, certificates, strict=True):
        reader = pypdf.PdfReader(BytesIO(data))
        assert len(reader.pages) == 1
        assert reader.trailer["/Root"]["/Lang"] == certificate.language
        assert certificate.holder_name in reader.metadata.title
        text = _text(data)
        assert certificate.holder_name in text
        assert certificate.number in text
        others = [c.holder_name for c in certificates if c is not certificate]
        assert not any(name in text for name in others)


@pytest.mark.django_db
def test_each_file_knows_its_own_missing_characters_as_the_file_itself_shows_them(make_attendee):
    from certificates.models import Certificate
    from certificates.pdf import certificates_files, missing_characters

    names = ["Ann \ue000 Lee", "王秀英", "Bo \ue001\ue002 Ek", "Jürgen Groß"]
    registration = make_attendee(full_name="Someone")
    certificates = [
        Certificate(
            number=f"EPI-RIG-2026-00000{i}", event=registration.event, language="en", holder_name=name,
            event_title=registration.event.title, event_kind="Training", city_name="Riga",
            first_date=registration.event.starts_at.date(), last_date=registration.event.ends_at.date(), hours=6,
            sessions_attended=2, sessions_total=2, trainer_names=["Anna Bērziņa"],
        )
        for i, name in enumerate(names)
    ]
    files = certificates_files(certificates)
    assert [set(f.missing) for f in files] == [{"\ue000"}, set(), {"\ue001", "\ue002"}, set()]
    assert [set(f.missing) for f in files] == [missing_characters(f.data) for f in files]


@pytest.mark.django_db
def test_long_names_titles_and_closing_texts_stay_on_one_page(past_event, make_attendee, trainer):
    from certificates.services.certificates import certificate_issue

    city = past_event.city
    city.certificate_closing_text = "Paldies par jūsu ieguldījumu iekļaujošas pilsētas veidošanā. " * 8
    city.save()
    past_event.title = "Intercultural competence for front-desk staff of municipal services, " * 2
    past_event.save()
    name = "Maria Magdalena Ștefănescu-Åström von Hohenzollern-Łukasiewicz y Núñez de Guzmán"
    certificate = certificate_issue(registration=make_attendee(full_name=name), actor=trainer)
    with certificate.pdf.open("rb") as fh:
        data = fh.read()
    assert len(pypdf.PdfReader(BytesIO(data)).pages) == 1
    # Lines may break at the hyphen or a space; every character is printed, in order.
    assert "".join(name.split()) in "".join(_text(data).split())


# Right to left -------------------------------------------------------------------------------


def _pdftotext(data: bytes, tmp_path, *args: str) -> str:
    """Text as poppler reads it (-layout keeps each line in logical order, whatever its direction)."""
    import subprocess

    source = tmp_path / "certificate.pdf"
    source.write_bytes(data)
    return subprocess.run(["pdftotext", *args, str(source), "-"], check=True, capture_output=True, text=True).stdout


def _font_names(data: bytes) -> list[str]:
    fonts = pypdf.PdfReader(BytesIO(data)).pages[0]["/Resources"]["/Font"]
    return [str(ref.get_object()["/BaseFont"]) for ref in fonts.values()]


@pytest.mark.django_db
def test_an_arabic_certificate_is_right_to_left_shaped_and_extracts_in_logical_order(make_attendee, tmp_path):
    import re

    from certificates.models import Certificate
    from certificates.pdf import certificates_pdfs

    registration = make_attendee(full_name="ليلى حداد", preferred_language="ar")
    certificate = Certificate(
        number="EPI-DIE-2026-000001", event=registration.event, language="ar", holder_name="ليلى حداد",
        event_title="Intercultural café", event_kind="تدريب", city_name="Dietzenbach",
        first_date=registration.event.starts_at.date(), last_date=registration.event.ends_at.date(), hours=6,
        sessions_attended=2, sessions_total=2, trainer_names=["Anna Bērziņa"], code="AbC123xyz",
    )
    [data] = certificates_pdfs([certificate])
    assert pypdf.PdfReader(BytesIO(data)).trailer["/Root"]["/Lang"] == "ar"

    # The Arabic glyphs come from a font that has them, embedded; nothing fell back to a box.
    fonts = _font_names(data)
    assert any("Arabic" in name for name in fonts), fonts
    # Shaped letters map back to the name as typed, in reading order (not reversed, not
    # presentation forms), with the Latin title and the code intact beside them.
    for text in (_text(data), _pdftotext(data, tmp_path, "-layout")):
        assert "ليلى حداد" in text
        assert "Intercultural café" in text
        assert "AbC123xyz" in text
        assert "\ufffd" not in text

    # Right to left: the holder's city (start of the issuer line) is drawn on the right half,
    # the verification code (end side) on the left half.
    out = _pdftotext(data, tmp_path, "-bbox")

    def x_of(word):
        match = re.search(r'<word xMin="([\d.]+)"[^>]*>%s</word>' % re.escape(word), out)
        assert match, word
        return float(match.group(1))

    assert x_of("Dietzenbach") > A4_LANDSCAPE[0] / 2
    assert x_of("AbC123xyz") < A4_LANDSCAPE[0] / 2


def _tounicode_chars(data: bytes) -> set[str]:
    """Every character the file's embedded fonts map a glyph to (their ToUnicode CMaps)."""
    import re

    import pikepdf

    chars: set[str] = set()
    with pikepdf.open(BytesIO(data)) as document:
        for page in document.pages:
            for _name, font in page.Resources.Font.items():
                cmap = font.get("/ToUnicode")
                if cmap is None:
                    continue
                text = cmap.read_bytes().decode("latin-1")
                for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
                    for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
                        chars.update(bytes.fromhex(target).decode("utf-16-be"))
                for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
                    for low, high, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                        chars.update(chr(int(target, 16) + i) for i in range(int(high, 16) - int(low, 16) + 1))
    return chars


def _unsaved_certificates(registrations):
    from certificates.models import Certificate

    return [
        Certificate(
            number=f"EPI-RIG-2026-00010{i}", event=r.event, language=r.user.preferred_language,
            holder_name=r.user.full_name, event_title=r.event.title, event_kind="Training", city_name="Riga",
            first_date=r.event.starts_at.date(), last_date=r.event.ends_at.date(), hours=6, sessions_attended=2,
            sessions_total=2, trainer_names=["Anna Bērziņa"],
        )
        for i, r in enumerate(registrations)
    ]


@pytest.mark.django_db
def test_each_file_of_a_batch_carries_only_its_own_glyphs(make_attendee):
    from certificates.pdf import certificate_pdf, certificates_pdfs

    greek = make_attendee(full_name="Ελένη Παπαδοπούλου", preferred_language="en")
    polish = make_attendee(full_name="Żaneta Wójcik-Łęcka", preferred_language="en")
    certificates = _unsaved_certificates([greek, polish])

    files = certificates_pdfs(certificates)
    single = certificate_pdf(certificates[0])

    greek_only = set("ΕλένηΠαπαδοπούλου")
    polish_only = set("ŻóŁę")  # letters nothing else on the page uses
    greek_file, polish_file = (_tounicode_chars(data) for data in files)
    assert greek_only <= greek_file
    assert not polish_only & greek_file
    assert polish_only <= polish_file
    assert not greek_only & polish_file
    # About the size of the same certificate issued alone, not of the whole batch.
    assert len(files[0]) < 1.25 * len(single)
    for data, certificate in zip(files, certificates, strict=True):
        reader = pypdf.PdfReader(BytesIO(data))
        assert reader.trailer["/Root"]["/Lang"] == certificate.language
        assert certificate.holder_name in reader.metadata.title


@pytest.mark.django_db
def test_date_of_issue_is_the_issuing_citys_date(make_attendee):
    from datetime import UTC, datetime

    from certificates.pdf import certificate_pdf

    (certificate,) = _unsaved_certificates([make_attendee(full_name="Anna Ozola", preferred_language="en")])
    certificate.issued_at = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 01:30 on 3 December in Riga
    text = _text(certificate_pdf(certificate))
    assert "Riga, 3 December 2026" in text
    assert "Riga, 2 December 2026" not in text


# Wording translators can get right --------------------------------------------------------------


@pytest.fixture
def spanish_catalogue(settings, tmp_path):
    """A Spanish catalogue of our own in front of the project's (the real one is the translators')."""
    import polib

    def install(entries: dict):
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
        for key, msgstr in entries.items():
            context, msgid = key if isinstance(key, tuple) else (None, key)
            po.append(polib.POEntry(msgctxt=context, msgid=msgid, msgstr=msgstr))
        folder = tmp_path / "es" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        po.save_as_mofile(str(folder / "django.mo"))
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]

    return install


@pytest.mark.django_db
def test_certificate_sentences_are_whole_so_each_language_orders_and_agrees(make_attendee, spanish_catalogue):
    from certificates.pdf import certificate_pdf

    spanish_catalogue({
        "This is to certify that %(name)s has attended %(title)s": "Se certifica que %(name)s asistió a %(title)s",
        ("certificate, kind of event",
         "Intercultural-competence training organised by %(city)s within the European Pact for Integration"):
            "Formación en competencias interculturales organizada por %(city)s en el marco del Pacto Europeo "
            "para la Integración",
        ("certificate, kind of event",
         "Workshop / round table organised by %(city)s within the European Pact for Integration"):
            "Taller / mesa redonda organizado por %(city)s en el marco del Pacto Europeo para la Integración",
    })
    registration = make_attendee(full_name="Lucía Martínez", preferred_language="es")
    (certificate,) = _unsaved_certificates([registration])

    text = " ".join(_text(certificate_pdf(certificate)).split())
    assert "Se certifica que Lucía Martínez asistió a Intercultural competence for front-desk staff" in text
    assert "Formación en competencias interculturales organizada por Riga" in text

    registration.event.kind = "workshop"
    text = " ".join(_text(certificate_pdf(certificate)).split())
    assert "Taller / mesa redonda organizado por Riga" in text


@pytest.mark.django_db
def test_default_funding_line_is_printed_in_the_holders_language(make_attendee, trainer, spanish_catalogue, settings):
    from certificates.services.certificates import certificate_issue

    settings.CERTIFICATE_FUNDING_LINE = ""
    spanish_catalogue({
        "European Pact for Integration (EPI), co-funded by the European Union.":
            "Pacto Europeo para la Integración (EPI), cofinanciado por la Unión Europea.",
    })
    spanish = certificate_issue(registration=make_attendee(full_name="Lucía Martínez", preferred_language="es"),
                                actor=trainer)
    english = certificate_issue(registration=make_attendee(full_name="Ann Lee", preferred_language="en"), actor=trainer)
    assert spanish.funding_line == "Pacto Europeo para la Integración (EPI), cofinanciado por la Unión Europea."
    assert english.funding_line == "European Pact for Integration (EPI), co-funded by the European Union."
    with spanish.pdf.open("rb") as fh:
        assert "cofinanciado por la Unión Europea" in " ".join(_text(fh.read()).split())

    city = spanish.event.city
    city.funding_line = "Rīgas valstspilsētas pašvaldība"
    city.save()
    own = certificate_issue(registration=make_attendee(full_name="Ilze Kalniņa", preferred_language="es"), actor=trainer)
    assert own.funding_line == "Rīgas valstspilsētas pašvaldība"  # a city's own line is printed as typed


def test_qr_code_keeps_the_standard_quiet_zone_of_four_modules():
    import base64

    import segno
    from PIL import Image

    from certificates.pdf import qr_image

    url = "https://events.example.eu/certificates/verify/0rp_u-w723M9c3a2/"
    modules = segno.make(url, error="m", micro=False, mask=4).symbol_size(border=0)[0]
    header, data = qr_image(url).split(",", 1)
    assert header == "data:image/png;base64"
    with Image.open(BytesIO(base64.b64decode(data))) as image:
        image = image.convert("L")
        assert image.size == (modules + 2 * 4, modules + 2 * 4)  # one pixel per module
        dark = [(x, y) for y in range(image.height) for x in range(image.width) if image.getpixel((x, y)) < 128]
    # The first dark module is four modules in, and so is the last one from the far edges.
    assert min(x for x, _ in dark) == min(y for _, y in dark) == 4
    assert max(x for x, _ in dark) == max(y for _, y in dark) == modules + 4 - 1
