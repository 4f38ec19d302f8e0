"""Attendance → eligibility → bulk issue → the participant downloads → anyone verifies, in a browser."""

import io
import time
from datetime import timedelta

import pypdf
import pytest
from django.utils import timezone

from certificates.models import Certificate
from events.models import Registration, Session
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def _wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_trainer_takes_attendance_issues_certificates_and_the_holder_verifies(page, live_server, login, city):
    trainer = UserFactory(full_name="Anna Bērziņa")
    holder = UserFactory(full_name="Łucja Ștefănescu-Åström")
    other = UserFactory(full_name="Jürgen Groß")
    start = timezone.now() - timedelta(days=2)
    event = EventFactory(city=city, title="Intercultural competence for front-desk staff", kind="training", sessions=0)
    Session.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=3), title="Module 1")
    from events.services.events import _refresh_event_dates

    _refresh_event_dates(event)
    event.trainers.add(trainer)
    for person in (holder, other):
        RegistrationFactory(event=event, user=person, status=Registration.Status.CONFIRMED)
    session = event.sessions.get()

    # The trainer takes attendance on the session's sheet.
    login(trainer)
    page.goto(f"{live_server.url}/attendance/sessions/{session.pk}/")
    page.get_by_role("button", name="Mark all present").click()
    page.wait_for_load_state()
    assert session.attendances.filter(present=True).count() == 2

    # ...and issues every earned certificate in one action; the job runs in the background.
    page.goto(f"{live_server.url}/certificates/events/{event.pk}/")
    page.get_by_role("button", name="Issue 2 certificates").click()
    page.wait_for_load_state()
    assert page.locator("progress").count() == 1
    _wait_for(lambda: Certificate.objects.filter(event=event).count() == 2)
    _logout(page)

    # The holder finds it under "My certificates" and downloads the PDF.
    login(holder)
    page.goto(f"{live_server.url}/certificates/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf_bytes = open(download_info.value.path(), "rb").read()
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)
    certificate = Certificate.objects.get(event=event, holder=holder)
    assert "Łucja Ștefănescu-Åström" in text
    assert certificate.number in text
    _logout(page)

    # Anyone can verify it by its code.
    page.goto(f"{live_server.url}/certificates/verify/{certificate.code}/")
    result = page.locator("main").inner_text()
    assert "is valid" in result
    assert "Łucja Ștefănescu-Åström" in result
    assert other.full_name not in result
