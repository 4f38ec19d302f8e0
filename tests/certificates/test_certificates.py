from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch
from certificates.services.certificates import (
    CertificateError,
    certificate_batch_run,
    certificate_batch_start,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    issuable_registrations,
)
from events.models import Attendance, Registration
from outbox.models import OutgoingEmail
from tests.factories import RegistrationFactory


@pytest.mark.django_db
def test_issue_freezes_what_it_printed(holder_registration, trainer, past_event):
    certificate = certificate_issue(registration=holder_registration, actor=trainer)

    assert certificate.status == Certificate.Status.VALID
    assert certificate.number.startswith("EPI-RIG-%d-" % timezone.now().year)
    assert certificate.holder_name == "Łucja Ștefănescu-Åström"
    assert certificate.event_title == past_event.title
    assert certificate.hours == 6
    assert (certificate.sessions_attended, certificate.sessions_total) == (2, 2)
    assert certificate.trainer_names == ["Anna Bērziņa"]
    assert certificate.language == "en"

    user = holder_registration.user
    user.full_name = "Someone Else"
    user.save()
    past_event.title = "Renamed"
    past_event.save()
    certificate.refresh_from_db()
    assert certificate.holder_name == "Łucja Ștefănescu-Åström"
    assert certificate.event_title == "Intercultural competence for front-desk staff"


@pytest.mark.django_db
def test_pdf_path_is_random_and_numbers_follow_each_other(make_attendee, trainer):
    first = certificate_issue(registration=make_attendee(full_name="Ana"), actor=trainer)
    second = certificate_issue(registration=make_attendee(full_name="Bo"), actor=trainer)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    for certificate in (first, second):
        assert certificate.number not in certificate.pdf.name
        assert len(certificate.pdf.name.rsplit("/", 1)[-1]) >= 32
    assert len({first.code, second.code}) == 2
    assert all(len(c.code) >= 16 for c in (first, second))


@pytest.mark.django_db(transaction=True)
def test_holder_is_emailed_the_pdf_in_their_language(make_attendee, trainer):
    registration = make_attendee(full_name="Sofía Núñez", preferred_language="es")
    certificate = certificate_issue(registration=registration, actor=trainer)

    queued = OutgoingEmail.objects.get(template="certificate_issued")
    assert queued.user == registration.user
    assert queued.language == "es"
    assert queued.attachment_path == certificate.pdf.name
    assert queued.attachment_mimetype == "application/pdf"
    assert len(mail.outbox) == 1
    (name, content, mimetype), = mail.outbox[0].attachments
    assert name == f"{certificate.number}.pdf"
    assert content.startswith(b"%PDF")
    assert certificate.number in mail.outbox[0].body


@pytest.mark.django_db
def test_issue_refuses_who_did_not_attend_enough(past_event, trainer):
    registration = RegistrationFactory(event=past_event)
    Attendance.objects.create(session=past_event.sessions.first(), registration=registration, present=True)
    with pytest.raises(CertificateError, match="1 of 2 sessions"):
        certificate_issue(registration=registration, actor=trainer)
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_issue_refuses_a_profile_without_name(make_attendee, trainer):
    registration = make_attendee(full_name="")
    with pytest.raises(CertificateError, match="no full name"):
        certificate_issue(registration=registration, actor=trainer)


@pytest.mark.django_db
def test_issue_twice_is_refused_and_the_database_forbids_two_valid(holder_registration, trainer):
    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    with pytest.raises(CertificateError):
        certificate_issue(registration=holder_registration, actor=trainer)
    duplicate = Certificate.objects.get(pk=certificate.pk)
    duplicate.pk = None
    duplicate.number, duplicate.code = "EPI-X-1", "another-code-123"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)


@pytest.mark.django_db
def test_reissue_supersedes_with_a_new_number_and_a_link(holder_registration, trainer):
    old = certificate_issue(registration=holder_registration, actor=trainer)
    user = holder_registration.user
    user.full_name = "Łucja Ștefănescu-Åström Kowalska"
    user.save()

    new = certificate_reissue(certificate=old, actor=trainer)

    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED
    assert old.superseded_at is not None
    assert old.replaced_by == new
    assert new.replaces == old
    assert new.status == Certificate.Status.VALID
    assert new.number != old.number and new.code != old.code
    assert new.holder_name == "Łucja Ștefănescu-Åström Kowalska"
    assert old.holder_name == "Łucja Ștefănescu-Åström"
    with pytest.raises(CertificateError):
        certificate_reissue(certificate=old, actor=trainer)


@pytest.mark.django_db
def test_revoke_needs_a_reason_and_happens_once(holder_registration, trainer):
    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, actor=trainer, reason="   ")
    revoked = certificate_revoke(certificate=certificate, actor=trainer, reason="Attendance was recorded by mistake.")
    assert revoked.status == Certificate.Status.REVOKED
    assert revoked.revoked_at is not None
    with pytest.raises(CertificateError):
        certificate_revoke(certificate=revoked, actor=trainer, reason="again")


@pytest.mark.django_db
def test_after_revocation_the_bulk_job_stays_away_but_a_trainer_can_issue_again(holder_registration, trainer):
    certificate = certificate_issue(registration=holder_registration, actor=trainer)
    certificate_revoke(certificate=certificate, actor=trainer, reason="Wrong event.")
    assert not issuable_registrations(event=holder_registration.event).exists()
    again = certificate_issue(registration=holder_registration, actor=trainer)
    assert again.is_valid
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


@pytest.mark.django_db(transaction=True)
def test_bulk_job_issues_everyone_eligible_in_chunks_and_reports_progress(past_event, make_attendee, trainer):
    attendees = [make_attendee(full_name=f"Participant {i} Ōtsuka") for i in range(7)]
    RegistrationFactory(event=past_event)  # attended nothing
    make_attendee(full_name="")  # eligible, but no name to print
    cancelled = make_attendee(full_name="Gone")
    Registration.objects.filter(pk=cancelled.pk).update(status=Registration.Status.CANCELLED)

    batch = CertificateBatch.objects.create(event=past_event, created_by=trainer, total=7)
    certificate_batch_run(batch_id=batch.pk, chunk_size=3)

    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    assert (batch.total, batch.done, batch.issued, batch.percent) == (7, 7, 7, 100)
    assert set(Certificate.objects.values_list("registration", flat=True)) == {r.pk for r in attendees}
    assert Certificate.objects.filter(batch=batch).count() == 7
    assert OutgoingEmail.objects.filter(template="certificate_issued").count() == 7
    assert len(mail.outbox) == 7


@pytest.mark.django_db(transaction=True)
def test_bulk_job_run_twice_issues_nothing_twice(past_event, make_attendee, trainer):
    for i in range(4):
        make_attendee(full_name=f"Person {i}")
    first = certificate_batch_start(event=past_event, actor=trainer)
    first.refresh_from_db()
    assert first.status == CertificateBatch.Status.DONE and first.issued == 4

    second = certificate_batch_start(event=past_event, actor=trainer)
    assert second.pk != first.pk
    assert second.status == CertificateBatch.Status.DONE and second.total == 0
    # Re-running an old job, e.g. a worker redelivering it, changes nothing either.
    CertificateBatch.objects.filter(pk=first.pk).update(status=CertificateBatch.Status.RUNNING)
    certificate_batch_run(batch_id=first.pk)
    assert Certificate.objects.count() == 4
    assert OutgoingEmail.objects.filter(template="certificate_issued").count() == 4


@pytest.mark.django_db
def test_starting_while_a_job_runs_returns_that_job(past_event, make_attendee, trainer, django_capture_on_commit_callbacks):
    make_attendee(full_name="Person")
    with django_capture_on_commit_callbacks(execute=False):
        first = certificate_batch_start(event=past_event, actor=trainer)
        second = certificate_batch_start(event=past_event, actor=trainer)
    assert first.pk == second.pk
    assert first.status == CertificateBatch.Status.PENDING and first.total == 1


@pytest.mark.django_db
def test_a_job_that_stopped_responding_can_be_replaced(past_event, make_attendee, trainer):
    make_attendee(full_name="Person")
    stale = CertificateBatch.objects.create(event=past_event, status=CertificateBatch.Status.RUNNING, total=1)
    CertificateBatch.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    fresh = certificate_batch_start(event=past_event, actor=trainer)
    stale.refresh_from_db()
    assert fresh.pk != stale.pk
    assert stale.status == CertificateBatch.Status.FAILED


@pytest.mark.django_db
def test_only_one_active_job_per_event_in_the_database(past_event):
    CertificateBatch.objects.create(event=past_event, status=CertificateBatch.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateBatch.objects.create(event=past_event, status=CertificateBatch.Status.PENDING)


@pytest.mark.django_db
def test_numbers_are_per_city_and_year(past_event, make_attendee, trainer, other_city):
    from certificates.services.certificates import certificate_prefix

    assert certificate_prefix(past_event.city) == "EPI-RIG"
    assert certificate_prefix(other_city) == "EPI-RAV"
    certificate = certificate_issue(registration=make_attendee(full_name="Ana"), actor=trainer)
    assert certificate.number == "EPI-RIG-%d-000001" % timezone.localtime(certificate.issued_at).year


@pytest.mark.django_db(transaction=True)
def test_a_job_split_in_two_parts_is_finished_by_the_last_part(past_event, make_attendee, trainer):
    attendees = [make_attendee(full_name=f"Person {i}") for i in range(5)]
    batch = CertificateBatch.objects.create(event=past_event, created_by=trainer, total=5, parts=2)

    certificate_batch_run(batch_id=batch.pk, part=0, parts=2, chunk_size=2)
    batch.refresh_from_db()
    first_half = set(Certificate.objects.values_list("registration", flat=True))
    assert batch.status == CertificateBatch.Status.RUNNING
    assert first_half == {r.pk for r in attendees if r.pk % 2 == 0}
    assert batch.done == len(first_half)

    certificate_batch_run(batch_id=batch.pk, part=1, parts=2, chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    assert (batch.done, batch.issued) == (5, 5)
    assert Certificate.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_marked_failed_and_keeps_what_it_issued(past_event, make_attendee, trainer, monkeypatch):
    from certificates.services import certificates as service

    for i in range(3):
        make_attendee(full_name=f"Person {i}")
    real_prepare = service._prepare
    calls = []

    def flaky_prepare(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_prepare(**kwargs)

    monkeypatch.setattr(service, "_prepare", flaky_prepare)
    batch = CertificateBatch.objects.create(event=past_event, created_by=trainer, total=3)
    with pytest.raises(OSError):
        certificate_batch_run(batch_id=batch.pk, chunk_size=2)
    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.FAILED
    assert "disk full" in batch.error
    assert Certificate.objects.count() == 2

    monkeypatch.setattr(service, "_prepare", real_prepare)
    again = certificate_batch_start(event=past_event, actor=trainer)
    again.refresh_from_db()
    assert again.status == CertificateBatch.Status.DONE and again.issued == 1
    assert Certificate.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_loses_a_race_keeps_the_rest_and_deletes_its_extra_file(past_event, make_attendee, trainer):
    from django.core.files.storage import default_storage

    from certificates.services import certificates as service

    first, second = make_attendee(full_name="Ana Ńowak"), make_attendee(full_name="Bo Ørsted")
    rows = list(issuable_registrations(event=past_event).order_by("pk"))
    prepared = service._prepare(event=past_event, registrations=rows, actor=trainer)
    # Meanwhile another trainer issues the first participant's certificate.
    winner = certificate_issue(registration=first, actor=trainer)

    written = service._insert(prepared)

    assert [c.registration_id for c in written] == [second.pk]
    assert Certificate.objects.valid().filter(registration=first).get() == winner
    loser = next(c for c in prepared if c.registration_id == first.pk)
    assert not default_storage.exists(loser.pdf.name)
    assert default_storage.exists(written[0].pdf.name)


# Names no font can print ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chinese_name_is_printed_with_the_installed_cjk_font(make_attendee, trainer):
    from certificates.pdf import missing_characters

    certificate = certificate_issue(registration=make_attendee(full_name="王秀英"), actor=trainer)
    with certificate.pdf.open("rb") as fh:
        assert missing_characters(fh.read()) == set()


@pytest.mark.django_db
def test_a_name_no_font_can_print_is_refused_naming_the_holder(make_attendee, trainer, settings):
    registration = make_attendee(full_name="Ann \ue000 Lee")
    stored_before = sorted(settings.MEDIA_ROOT.rglob("*.pdf"))
    with pytest.raises(CertificateError) as refused:
        certificate_issue(registration=registration, actor=trainer)
    assert "Ann \ue000 Lee" in str(refused.value)
    assert "U+E000" in str(refused.value)
    assert not Certificate.objects.exists()
    assert not OutgoingEmail.objects.filter(template="certificate_issued").exists()
    assert sorted(settings.MEDIA_ROOT.rglob("*.pdf")) == stored_before  # no file left behind


@pytest.mark.django_db
def test_the_bulk_job_leaves_out_unprintable_names_and_says_whose(client, past_event, make_attendee, trainer):
    fine = make_attendee(full_name="Łucja Åström")
    make_attendee(full_name="Ann \ue000 Lee")
    batch = CertificateBatch.objects.create(event=past_event, created_by=trainer, total=2)
    certificate_batch_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == CertificateBatch.Status.DONE
    assert batch.issued == 1
    assert list(Certificate.objects.values_list("registration", flat=True)) == [fine.pk]
    assert batch.unprintable_names == ["Ann \ue000 Lee"]
    client.force_login(trainer)
    page = client.get("/certificates/batches/%d/" % batch.pk).content.decode()
    assert "Not issued to Ann \ue000 Lee" in page


@pytest.mark.django_db
def test_issue_freezes_the_title_in_the_holders_language(make_attendee, trainer, past_event):
    past_event.translations = {"uk": {"title": "Міжкультурна компетентність"}, "de": {"title": "Interkulturelle Kompetenz"}}
    past_event.save(update_fields=["translations"])
    ukrainian = certificate_issue(registration=make_attendee(full_name="Олена", preferred_language="uk"), actor=trainer)
    polish = certificate_issue(registration=make_attendee(full_name="Ola", preferred_language="pl"), actor=trainer)

    assert ukrainian.event_title == "Міжкультурна компетентність"
    # No Polish title: the event's own (English here), the same chain as pages.
    assert polish.event_title == past_event.title

    past_event.translations = {}
    past_event.save(update_fields=["translations"])
    ukrainian.refresh_from_db()
    assert ukrainian.event_title == "Міжкультурна компетентність"
