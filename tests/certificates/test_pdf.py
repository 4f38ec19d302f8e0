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
