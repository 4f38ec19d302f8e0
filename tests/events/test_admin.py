"""The platform admin's back office: every page opens, and changes keep the domain's rules."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from events.models import Answer, Attendance, City, CityMembership, Event, Question, Registration, Session
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, RegistrationFactory, UserFactory

EDITABLE = [City, CityMembership, Event]
READ_ONLY = [Registration, Question, Answer, Attendance, OutgoingEmail]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(db):
    """A platform admin: staff, without superuser rights or any Django permission rows."""
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", [*EDITABLE, *READ_ONLY], ids=lambda m: m.__name__)
def test_platform_admin_opens_every_changelist(staff_client, event, model):
    RegistrationFactory(event=event)
    assert staff_client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", EDITABLE, ids=lambda m: m.__name__)
def test_platform_admin_opens_every_add_page(staff_client, model):
    assert staff_client.get(_url(model, "add")).status_code == 200


@pytest.mark.django_db
def test_platform_admin_opens_the_user_pages(staff_client, participant):
    from accounts.models import User

    assert staff_client.get(_url(User, "changelist")).status_code == 200
    assert staff_client.get(_url(User, "add")).status_code == 200
    assert staff_client.get(_url(User, "change", participant.pk)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_registrations_emails_and_answers_cannot_be_added_or_changed_in_the_admin(staff_client, staff, rf, model):
    assert staff_client.get(_url(model, "add")).status_code == 403
    request = rf.get("/")
    request.user = staff
    model_admin = admin.site.get_model_admin(model)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
def test_a_registration_opens_as_a_read_only_page(staff_client, event):
    registration = RegistrationFactory(event=event)
    response = staff_client.get(_url(Registration, "change", registration.pk))
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
    assert staff_client.post(_url(Registration, "change", registration.pk), {"status": "cancelled"}).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("model", [City, Event, Registration, OutgoingEmail], ids=lambda m: m.__name__)
def test_people_who_are_not_staff_are_kept_out(client, participant, organizer, model):
    client.force_login(organizer)
    response = client.get(_url(model, "changelist"))
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_admin_login_goes_through_the_sites_login(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_events_changelist_filters_by_city_kind_area_and_status(staff_client, city, other_city):
    EventFactory(city=city, title="Riga launch")
    EventFactory(city=other_city, title="Ravenna launch", kind=Event.Kind.TRAINING)
    response = staff_client.get(_url(Event, "changelist"), {"city__id__exact": city.pk})
    html = response.content.decode()
    assert "Riga launch" in html and "Ravenna launch" not in html
    for name in ("kind", "area", "status"):
        assert f"{name}__exact=" in html


def _event_post_data(event, sessions, **overrides):
    """The admin change form's POST for ``event`` with ``sessions`` as (id|None, start, end, title) rows."""
    tz = event.city.tzinfo

    def local(value, fmt):
        return timezone.localtime(value, tz).strftime(fmt)

    data = {
        "kind": event.kind,
        "area": event.area,
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "language": event.language,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "latitude": "",
        "longitude": "",
        "online_url": "",
        "online_note": "",
        "capacity": "" if event.capacity is None else event.capacity,
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "eligibility_percent": "",
        "sessions-TOTAL_FORMS": len(sessions),
        "sessions-INITIAL_FORMS": sum(1 for s in sessions if s[0]),
        "sessions-MIN_NUM_FORMS": 0,
        "sessions-MAX_NUM_FORMS": 1000,
    }
    for i, (pk, start, end, title) in enumerate(sessions):
        data.update(
            {
                f"sessions-{i}-id": pk or "",
                f"sessions-{i}-event": event.pk,
                f"sessions-{i}-title": title,
                f"sessions-{i}-starts_at_0": local(start, "%Y-%m-%d"),
                f"sessions-{i}-starts_at_1": local(start, "%H:%M:%S"),
                f"sessions-{i}-ends_at_0": local(end, "%Y-%m-%d"),
                f"sessions-{i}-ends_at_1": local(end, "%H:%M:%S"),
                f"sessions-{i}-room": "",
            }
        )
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_editing_sessions_in_the_admin_keeps_the_event_dates_and_calendar_sequence_right(staff_client, event):
    session = event.sessions.get()
    later = session.starts_at + timedelta(days=3)
    extra_start = session.starts_at + timedelta(days=10)
    sequence_before = event.sequence

    data = _event_post_data(
        event,
        [
            (session.pk, later, later + timedelta(hours=2), "Moved"),
            (None, extra_start, extra_start + timedelta(hours=3), "Follow-up"),
        ],
    )
    response = staff_client.post(_url(Event, "change", event.pk), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.starts_at == later
    assert event.ends_at == extra_start + timedelta(hours=3)
    assert event.sequence > sequence_before
    session.refresh_from_db()
    assert session.title == "Moved" and session.sequence == 1
    assert event.sessions.count() == 2


@pytest.mark.django_db
def test_the_admin_shows_and_reads_times_on_the_citys_clock(staff_client, event):
    session = event.sessions.get()
    response = staff_client.get(_url(Event, "change", event.pk))
    html = response.content.decode()
    assert "Europe/Riga" in html
    assert timezone.localtime(session.starts_at, event.city.tzinfo).strftime("%H:%M:%S") in html


@pytest.mark.django_db
def test_an_event_added_in_the_admin_is_a_draft_with_its_creator_and_dates(staff_client, staff, city):
    start = (timezone.now() + timedelta(days=20)).replace(microsecond=0, second=0)
    draft = Event(city=city, kind=Event.Kind.WORKSHOP, area=Event.Area.PARTICIPATION, title="Round table", language="lv")
    data = _event_post_data(draft, [(None, start, start + timedelta(hours=2), "")], city=city.pk)
    data.pop("sessions-0-event")

    response = staff_client.post(_url(Event, "add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title="Round table")
    assert event.status == Event.Status.DRAFT
    assert event.created_by == staff
    # The times typed were read on the chosen city's clock.
    assert event.starts_at == start
    assert event.sessions.count() == 1


@pytest.mark.django_db
def test_capacity_below_the_confirmed_registrations_is_refused_with_a_message(staff_client, event):
    event.capacity = 5
    event.save()
    RegistrationFactory.create_batch(3, event=event)
    session = event.sessions.get()
    data = _event_post_data(event, [(session.pk, session.starts_at, session.ends_at, session.title)], capacity=2)

    response = staff_client.post(_url(Event, "change", event.pk), data)

    assert response.status_code == 200
    assert "cannot be lower than the 3 confirmed registrations" in response.content.decode()
    event.refresh_from_db()
    assert event.capacity == 5


@pytest.mark.django_db
def test_publish_and_cancel_actions_use_the_services(staff_client, city):
    draft = EventFactory(city=city, status=Event.Status.DRAFT, title="Draft with session")
    empty = EventFactory(city=city, status=Event.Status.DRAFT, sessions=0, title="Draft without sessions")
    changelist = _url(Event, "changelist")

    response = staff_client.post(
        changelist, {"action": "publish_events", "_selected_action": [draft.pk, empty.pk]}, follow=True
    )

    draft.refresh_from_db()
    empty.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    assert empty.status == Event.Status.DRAFT
    assert "Add at least one session before publishing" in response.content.decode()

    staff_client.post(changelist, {"action": "cancel_events", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Event.Status.CANCELLED
    assert draft.cancelled_at is not None


@pytest.mark.django_db
def test_an_event_with_registrations_cannot_be_deleted_from_the_admin(staff_client, event):
    RegistrationFactory(event=event)
    response = staff_client.post(_url(Event, "delete", event.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_city_admin_manages_organizers_inline(staff_client, city):
    person = UserFactory()
    response = staff_client.get(_url(City, "change", city.pk))
    assert response.status_code == 200
    data = {
        "name": city.name,
        "slug": city.slug,
        "country": city.country,
        "timezone": city.timezone,
        "default_language": city.default_language,
        "narrative": city.narrative,
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 0,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-user": person.pk,
        "memberships-0-role": CityMembership.Role.ORGANIZER,
        "memberships-0-city": city.pk,
    }
    response = staff_client.post(_url(City, "change", city.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CityMembership.objects.filter(city=city, user=person).exists()


@pytest.mark.django_db
def test_a_failed_email_can_be_queued_again(staff_client, participant):
    email = OutgoingEmail.objects.create(
        user=participant, to_email=participant.email, template="x", language="en", subject="s", body_text="b",
        status=OutgoingEmail.Status.FAILED,
    )
    staff_client.post(_url(OutgoingEmail, "changelist"), {"action": "retry", "_selected_action": [email.pk]})
    email.refresh_from_db()
    assert email.status != OutgoingEmail.Status.FAILED


@pytest.mark.django_db
def test_session_inline_deletion_goes_through_the_services(staff_client, city):
    event = EventFactory(city=city, sessions=2)
    first, second = event.sessions.order_by("starts_at")
    data = _event_post_data(
        event,
        [(first.pk, first.starts_at, first.ends_at, first.title), (second.pk, second.starts_at, second.ends_at, second.title)],
    )
    data["sessions-1-DELETE"] = "on"
    response = staff_client.post(_url(Event, "change", event.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert not Session.objects.filter(pk=second.pk).exists()
    assert event.ends_at == first.ends_at


@pytest.mark.django_db
@pytest.mark.parametrize("selected", ["", "abc", "1:2"])
def test_a_tampered_action_selection_gets_a_message_not_a_500(staff_client, event, selected):
    response = staff_client.post(
        _url(Event, "changelist"), {"action": "delete_selected", "_selected_action": [selected]}, follow=True
    )

    assert response.status_code == 200
    assert "The selection was sent incomplete. Reload the list and try again." in response.content.decode()
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_tampered_autocomplete_ids_show_the_form_again(staff_client, city, participant):
    response = staff_client.post(
        _url(CityMembership, "add"), {"city": str(city.pk), "user": ":", "role": "organizer"}
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not CityMembership.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["x" * 300, "1x", "%00"])
def test_an_event_address_that_is_no_id_is_not_found_in_the_admin(staff_client, object_id):
    response = staff_client.get(f"/admin/events/event/{object_id}/change/", follow=True)

    assert response.status_code in (200, 404)
    assert response.status_code == 404 or "doesn’t exist" in response.content.decode()
