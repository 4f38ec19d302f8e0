import io
import json
import re
import zipfile

import pytest
from django.apps import apps

from privacy.classification import FIELDS, OWNERS, PERSONAL, SENSITIVE
from privacy.models import Consent, DataExport, Purpose
from privacy.services.consents import consent_give
from privacy.services.demographics import demographics_save
from privacy.services.exports import OTHER_PEOPLE, user_export_request
from tests.factories import UserFactory
from tests.privacy.conftest import attended_registration

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://events\.example\.eu(/privacy/export/[\w-]+/)")


@pytest.fixture
def history(make_ended_event, organizer):
    person = UserFactory(full_name="Amira Haddad", email="amira@example.org", preferred_language="en")
    other = UserFactory(full_name="Somebody Else", email="else@example.org")
    trainer = UserFactory(full_name="Trainer Tamm", email="trainer@example.org")
    event = make_ended_event(10, title="Neighbours' round table")
    event.trainers.add(trainer)
    mine = attended_registration(event, person, answer="Arabic interpretation")
    mine.decided_by = organizer
    mine.save()
    attended_registration(event, other, answer="nothing for me")
    consent_give(user=person, purpose=Purpose.PHOTOS, how=Consent.How.MY_DATA)
    demographics_save(user=person, moved_to_country="yes", years_in_country="3-5", consent=True)
    return person, other, organizer


def _export(client, person, capture, mailoutbox):
    with capture(execute=True):
        user_export_request(user=person)
    [message] = [m for m in mailoutbox if "data" in m.subject.lower()]
    path = LINK.search(message.body).group(1)
    client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return path, zipfile.ZipFile(io.BytesIO(data))


def test_the_zip_holds_everything_personal_about_the_person_and_nothing_of_others(
    client, history, mailoutbox, django_capture_on_commit_callbacks
):
    person, other, organizer = history
    _path, archive = _export(client, person, django_capture_on_commit_callbacks, mailoutbox)
    names = set(archive.namelist())
    assert {"data.json", "index.html", "events_registration.csv", "privacy_consent.csv"} <= names
    tables = json.loads(archive.read("data.json"))["tables"]
    # Every personal or sensitive field the registry lists for the person's own rows is there.
    for label in OWNERS:
        rows = tables[label.replace(".", "_").lower()]
        model = apps.get_model(label)
        if not model._default_manager.exists():
            continue
        expected = {
            name for name, kind in FIELDS[label].items()
            if kind in (PERSONAL, SENSITIVE) and (label, name) not in OTHER_PEOPLE
            and not model._meta.get_field(name).many_to_many
        }
        for row in rows:
            missing = expected - set(row) - {"password", "secret_text", "secret_html", "token_hash",
                                             "undo_token_hash", "attachment_path", "file_path"}
            assert not missing, (label, missing)
    everything = "".join(archive.read(name).decode("utf-8") for name in names)
    for value in ["amira@example.org", "Amira Haddad", "Arabic interpretation", "3-5", "photos", "round table"]:
        assert value in everything, value
    for foreign in ["else@example.org", "Somebody Else", "nothing for me", organizer.email, "Trainer Tamm"]:
        assert foreign not in everything, foreign


def test_the_emailed_link_is_masked_in_the_stored_copy_and_works_once(
    client, history, mailoutbox, django_capture_on_commit_callbacks
):
    from outbox.models import OutgoingEmail

    person, *_ = history
    path, _archive = _export(client, person, django_capture_on_commit_callbacks, mailoutbox)
    stored = OutgoingEmail.objects.get(template="data_export_ready")
    assert path not in stored.body_text
    assert client.get(path).status_code == 404
    assert DataExport.objects.get().status == DataExport.Status.EXPIRED


def test_a_participant_cannot_download_another_persons_export(
    client, history, mailoutbox, django_capture_on_commit_callbacks
):
    person, other, _organizer = history
    with django_capture_on_commit_callbacks(execute=True):
        user_export_request(user=person)
    path = LINK.search(mailoutbox[-1].body).group(1)
    assert client.get(path).status_code == 302  # visitors log in first
    for intruder in (other, UserFactory(is_staff=True)):
        client.force_login(intruder)
        assert client.get(path).status_code == 404
    client.force_login(person)
    assert client.get(path).status_code == 200


def test_requesting_from_the_my_data_page_builds_in_the_background(
    client, participant, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/privacy/me/export/")
    assert response.status_code == 302
    assert DataExport.objects.get(user=participant).status == DataExport.Status.READY
    assert any(LINK.search(m.body) for m in mailoutbox)
