"""A participant downloads their data, withdraws a consent, deletes the account, undoes it,
deletes again; after the grace period their seat goes to the next person waiting."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from accounts.models import User
from events.models import Registration
from events.services.registrations import registration_create
from privacy.models import Consent
from privacy.services.retention import retention_purge
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no email with {pattern}")


def test_my_data_walk(page, live_server, login, city):
    event = EventFactory(city=city, title="Launch of the integration strategy", capacity=1)
    person = UserFactory(full_name="Oksana Shevchenko", email="oksana@example.org")
    next_in_line = UserFactory(full_name="Next Waiting")

    # She registers and, unticked by default, chooses to be listed to other participants.
    login(person)
    page.goto(f"{live_server.url}/events/{event.pk}/register/")
    page.get_by_label("I have read the information notice.").check()
    page.get_by_label("Other participants of the events I attend may see my name").check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    waiting = registration_create(event=event, user=next_in_line, consent_version="test")
    assert waiting.status == Registration.Status.WAITING

    # Download everything: prepared in the background, a one-use link by email.
    page.goto(f"{live_server.url}/privacy/me/")
    page.get_by_role("button", name="Prepare my data").click()
    page.wait_for_load_state()
    download_url = _link(r"https?://[^\s]+/privacy/export/[\w-]+/")
    with page.expect_download() as info:
        try:
            page.goto(download_url)
        except PlaywrightError:
            pass  # a download is not a page
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))
    assert "oksana@example.org" in archive.read("data.json").decode()
    assert "Next Waiting" not in archive.read("data.json").decode()

    # Withdraw the consent with one click.
    page.goto(f"{live_server.url}/privacy/me/")
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_load_state()
    assert "no longer used" in page.content()
    assert not Consent.objects.active().filter(user=person).exists()

    # Delete the account, then undo it from the emailed link.
    page.get_by_label("Yes, delete my account in 7 days").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_load_state()
    assert "Your account is about to be deleted" in page.content()
    page.goto(_link(r"https?://[^\s]+/privacy/undo-deletion/[\w-]+/"))
    page.get_by_role("button", name="Keep my account").click()
    page.wait_for_load_state()
    assert "your account will not be deleted" in page.content()

    # Delete again; nothing happens before the grace period is over.
    page.goto(f"{live_server.url}/privacy/me/")
    page.get_by_label("Yes, delete my account in 7 days").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_load_state()
    retention_purge(now=timezone.now() + timedelta(days=6))
    assert User.objects.filter(pk=person.pk).exists()
    retention_purge(now=timezone.now() + timedelta(days=7, minutes=5))
    assert not User.objects.filter(pk=person.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
