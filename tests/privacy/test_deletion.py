import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from certificates.services.certificates import certificate_issue
from events.models import Attendance, Registration
from events.services.registrations import registration_create
from outbox.models import OutgoingEmail
from privacy.models import Consent, DeletionRequest, DemographicProfile, Purpose
from privacy.services.consents import consent_give
from privacy.services.deletion import user_delete_execute, user_delete_request, user_delete_undo
from privacy.services.demographics import demographics_save
from privacy.services.retention import retention_purge
from tests.factories import EventFactory, UserFactory
from tests.privacy.conftest import attended_registration

pytestmark = pytest.mark.django_db

UNDO = re.compile(r"https://events\.example\.eu/privacy/undo-deletion/([\w-]+)/")


def _undo_token(message) -> str:
    return UNDO.search(message.body).group(1)


def test_a_request_emails_an_undo_link_that_is_not_kept_in_the_stored_copy(
    participant, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = user_delete_request(user=participant)
    assert request.due_at - request.requested_at >= timedelta(days=7) - timedelta(seconds=1)
    [message] = mailoutbox
    token = _undo_token(message)
    stored = OutgoingEmail.objects.get(template="account_deletion_requested")
    assert token not in stored.body_text and token not in stored.secret_text
    assert user_delete_undo(token=token).status == DeletionRequest.Status.UNDONE
    assert user_delete_undo(token=token) is None  # one use


def test_nothing_happens_during_the_grace_period(participant):
    request = user_delete_request(user=participant)
    assert not user_delete_execute(request_id=request.pk)
    retention_purge(now=timezone.now() + timedelta(days=6))
    assert User.objects.filter(pk=participant.pk).exists()


def test_after_the_grace_period_seats_go_to_the_waiting_list_and_the_past_is_anonymised(city, make_ended_event):
    leaver = UserFactory(full_name="Leaving Person", email="leaver@example.org")
    waiting = UserFactory(full_name="Next In Line")
    future = EventFactory(city=city, capacity=1)
    registration_create(event=future, user=leaver, consent_version="2026-12")
    queued = registration_create(event=future, user=waiting, consent_version="2026-12")
    assert queued.status == Registration.Status.WAITING
    past = attended_registration(make_ended_event(20), leaver)
    consent_give(user=leaver, purpose=Purpose.PHOTOS, how=Consent.How.MY_DATA)
    demographics_save(user=leaver, age_band="25-34", consent=True)
    user_delete_request(user=leaver)
    run = retention_purge(now=timezone.now() + timedelta(days=7, minutes=1))
    assert run.counts["deletions"] == 1
    assert not User.objects.filter(pk=leaver.pk).exists()
    queued.refresh_from_db()
    assert queued.status == Registration.Status.CONFIRMED  # promoted, as for any cancellation
    assert Registration.objects.filter(event=future, status="cancelled", user__isnull=True).count() == 1
    past.refresh_from_db()
    assert past.user_id is None and not past.answers.exists() and past.anonymised_at
    assert Attendance.objects.filter(registration=past).count() == 1
    assert not OutgoingEmail.objects.filter(to_email="leaver@example.org").exists()
    assert not Consent.objects.exists() and not DemographicProfile.objects.exists()
    assert DeletionRequest.objects.get().status == DeletionRequest.Status.DONE


def _certificate_for(user, make_ended_event):
    registration = attended_registration(make_ended_event(3, title="Training"), user)
    return certificate_issue(registration=registration, actor=None)


@pytest.mark.parametrize("choice", ["keep", "erase"])
def test_certificates_follow_the_holders_choice(client, choice, make_ended_event):
    holder = UserFactory(full_name="Agnieszka Żółć")
    certificate = _certificate_for(holder, make_ended_event)
    request = user_delete_request(user=holder, certificates=choice)
    DeletionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now())
    assert user_delete_execute(request_id=request.pk)
    certificate.refresh_from_db()
    page = client.get(f"/certificates/verify/{certificate.code}/").content.decode()
    if choice == "keep":
        assert certificate.status == Certificate.Status.VALID and certificate.holder_id is None
        assert "Agnieszka Żółć" in page
    else:
        assert certificate.status == Certificate.Status.REVOKED
        assert certificate.holder_name == "" and not certificate.pdf
        assert "Agnieszka" not in page


def test_running_a_done_deletion_again_changes_nothing(participant):
    request = user_delete_request(user=participant)
    DeletionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now())
    assert user_delete_execute(request_id=request.pk)
    assert not user_delete_execute(request_id=request.pk)


def test_a_deleted_accounts_calendar_feed_and_login_are_gone(client, participant):
    token = participant.calendar_token
    assert client.get(f"/calendars/me/{token}.ics").status_code == 200
    request = user_delete_request(user=participant)
    DeletionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now())
    user_delete_execute(request_id=request.pk)
    assert client.get(f"/calendars/me/{token}.ics").status_code == 404
    assert not client.login(email=participant.email, password="correct horse battery staple")


def test_a_place_on_the_waiting_list_of_a_running_event_is_never_promoted_after_erasure(city):
    from events.models import Session
    from events.services.registrations import registration_cancel

    event = EventFactory(city=city, capacity=1, sessions=0)
    now = timezone.now()
    Session.objects.create(event=event, starts_at=now - timedelta(days=1), ends_at=now - timedelta(days=1, hours=-2))
    Session.objects.create(event=event, starts_at=now + timedelta(days=6), ends_at=now + timedelta(days=6, hours=2))
    from events.services.events import _refresh_event_dates

    _refresh_event_dates(event)
    holder, leaver = UserFactory(), UserFactory()
    seat = Registration.objects.create(event=event, user=holder, status="confirmed")
    Registration.objects.create(event=event, user=leaver, status="waiting", waiting_rank=1)
    request = user_delete_request(user=leaver)
    DeletionRequest.objects.filter(pk=request.pk).update(due_at=timezone.now())
    user_delete_execute(request_id=request.pk)
    organizer = UserFactory(is_staff=True)
    registration_cancel(registration=seat, actor=organizer)
    assert not Registration.objects.filter(event=event, status="confirmed").exists()
