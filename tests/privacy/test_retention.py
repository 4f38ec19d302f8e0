from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from events.models import Answer, Attendance, Registration
from outbox.models import OutgoingEmail
from privacy.models import AuditHold, PurgeRun, RetentionPolicy
from privacy.retention import months_before
from privacy.services.exports import user_data_tables
from privacy.services.retention import retention_purge
from tests.factories import UserFactory
from tests.privacy.conftest import attended_registration

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Registration.objects.values_list("pk", "user_id", "anonymised_at", "decision_message")),
        sorted(Answer.objects.values_list("pk", flat=True)),
        sorted(OutgoingEmail.objects.values_list("pk", "body_text")),
        sorted(User.objects.values_list("pk", flat=True)),
    )


def test_registrations_are_anonymised_a_year_after_the_event_and_kept_as_counts(make_ended_event):
    person = UserFactory(full_name="Zofia Kowalska")
    old = attended_registration(make_ended_event(400), person)
    recent = attended_registration(make_ended_event(30), person)
    run = retention_purge()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.user_id is None and old.anonymised_at is not None and old.decision_message == ""
    assert not old.answers.exists()
    # Kept as counts: the row, its status and its attendance stay.
    assert old.status == Registration.Status.CONFIRMED
    assert Attendance.objects.filter(registration=old, present=True).exists()
    assert recent.user == person and recent.answers.exists()
    assert run.counts["registrations"] == 1
    assert PurgeRun.objects.get().finished_at is not None


def test_running_the_job_twice_changes_nothing_the_second_time(make_ended_event):
    attended_registration(make_ended_event(400), UserFactory())
    attended_registration(make_ended_event(45, title="Recent"), UserFactory(), sensitive=True)
    retention_purge()
    before = _snapshot()
    second = retention_purge()
    assert _snapshot() == before
    assert set(second.counts.values()) == {0}


def test_an_audit_hold_stops_the_purge_until_its_date(make_ended_event, admin_user):
    event = make_ended_event(400)
    registration = attended_registration(event, UserFactory())
    AuditHold.objects.create(event=event, until=date.today() + timedelta(days=365), reason="ESF audit", set_by=admin_user)
    retention_purge()
    registration.refresh_from_db()
    assert registration.user_id is not None and registration.answers.exists()
    AuditHold.objects.filter(event=event).update(until=date.today() - timedelta(days=1))
    retention_purge()
    registration.refresh_from_db()
    assert registration.user_id is None


def test_sensitive_answers_go_after_a_month_and_the_others_stay(make_ended_event):
    event = make_ended_event(40)
    sensitive = attended_registration(event, UserFactory(), answer="wheelchair", sensitive=True)
    plain = attended_registration(event, UserFactory(), answer="vegetarian")
    retention_purge()
    assert not sensitive.answers.exists()
    assert plain.answers.get().value == "vegetarian"


def test_a_citys_own_policy_replaces_the_defaults(city, make_ended_event):
    RetentionPolicy.objects.create(city=city, registration_months=3, sensitive_answer_months=1)
    registration = attended_registration(make_ended_event(120), UserFactory())
    retention_purge()
    registration.refresh_from_db()
    assert registration.user_id is None


def test_email_bodies_are_emptied_after_90_days(make_ended_event):
    registration = attended_registration(make_ended_event(30), UserFactory())
    email = OutgoingEmail.objects.get(user=registration.user)
    OutgoingEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(days=91))
    fresh = OutgoingEmail.objects.create(
        user=registration.user, to_email="x@example.org", template="t", language="en", subject="s",
        body_text="still here", status=OutgoingEmail.Status.SENT,
    )
    retention_purge()
    email.refresh_from_db()
    fresh.refresh_from_db()
    assert email.body_text == "" and email.body_html == ""
    assert fresh.body_text == "still here"


def test_inactive_accounts_are_warned_30_days_before_and_then_erased(mailoutbox):
    now = timezone.now()
    sleeper = UserFactory(email="sleeper@example.org")
    User.objects.filter(pk=sleeper.pk).update(last_login=months_before(now, 25) + timedelta(days=10))
    active = UserFactory()
    User.objects.filter(pk=active.pk).update(last_login=now - timedelta(days=3))
    retention_purge(now=now)
    warnings = OutgoingEmail.objects.filter(template="account_inactive_warning")
    assert list(warnings.values_list("to_email", flat=True)) == ["sleeper@example.org"]
    retention_purge(now=now)
    assert warnings.count() == 1  # warned once
    assert User.objects.filter(pk=sleeper.pk).exists()
    retention_purge(now=now + timedelta(days=31))
    assert not User.objects.filter(pk=sleeper.pk).exists()
    assert User.objects.filter(pk=active.pk).exists()


def test_staff_and_organizers_are_never_erased_for_inactivity(organizer, admin_user):
    long_ago = timezone.now() - timedelta(days=3000)
    User.objects.filter(pk__in=[organizer.pk, admin_user.pk]).update(last_login=long_ago)
    retention_purge(now=timezone.now() + timedelta(days=60))
    retention_purge(now=timezone.now() + timedelta(days=120))
    assert User.objects.filter(pk__in=[organizer.pk, admin_user.pk]).count() == 2


def test_purged_data_is_unfindable_in_pages_exports_and_the_admin(client, organizer, admin_user, make_ended_event):
    person = UserFactory(full_name="Hidden Person Ørsted", email="hidden@example.org")
    event = make_ended_event(400, title="Old round table")
    attended_registration(event, person, answer="secret answer")
    retention_purge()
    client.force_login(organizer)
    pages = [
        f"/manage/events/{event.pk}/registrations/",
        f"/manage/events/{event.pk}/registrations/export.csv",
        f"/manage/events/{event.pk}/registrations/?q=hidden",
    ]
    for url in pages:
        response = client.get(url)
        body = response.content.decode("utf-8", "replace")
        assert response.status_code == 200, url
        assert "hidden@example.org" not in body and "secret answer" not in body and "Ørsted" not in body, url
    client.force_login(admin_user)
    for url in [
        "/admin/events/registration/?q=hidden",
        "/admin/events/answer/?q=secret",
        "/admin/events/attendance/?q=hidden",
    ]:
        body = client.get(url).content.decode()
        assert "hidden@example.org" not in body and "secret answer" not in body, url
    # The person's own export no longer holds the anonymised registration.
    tables = user_data_tables(person)
    assert tables["events_registration"] == [] and tables["events_answer"] == []


def test_records_kept_by_an_audit_hold_are_for_platform_admins_only(client, organizer, admin_user, make_ended_event):
    event = make_ended_event(400)
    attended_registration(event, UserFactory())
    url = f"/manage/events/{event.pk}/registrations/"
    client.force_login(organizer)
    assert client.get(url).status_code == 200
    AuditHold.objects.create(event=event, until=date.today() + timedelta(days=30), reason="audit", set_by=admin_user)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_an_organizer_marks_a_question_sensitive(client, organizer, event):
    client.force_login(organizer)
    response = client.post(
        f"/manage/events/{event.pk}/questions/add/",
        {"kind": "short_text", "label": "Do you need a wheelchair space?", "sensitive": "on"},
    )
    assert response.status_code == 302
    assert event.questions.get().sensitive
