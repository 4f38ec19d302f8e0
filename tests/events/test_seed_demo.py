"""``manage.py seed_demo``: the seven EPI cities with a believable programme, safe to run twice."""

from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from events.content import normalise_search
from events.management.commands.seed_demo import DEMO_PASSWORD, FINISHED_TRAINING_TITLE
from events.models import Attendance, City, CityMembership, Event, Registration, Session

EXPECTED_CITIES = {
    "cartagena": ("Cartagena", "ES", "Europe/Madrid", "es"),
    "cluj-napoca": ("Cluj-Napoca", "RO", "Europe/Bucharest", "ro"),
    "dietzenbach": ("Dietzenbach", "DE", "Europe/Berlin", "de"),
    "linkoping": ("Linköping", "SE", "Europe/Stockholm", "sv"),
    "lublin": ("Lublin", "PL", "Europe/Warsaw", "pl"),
    "ravenna": ("Ravenna", "IT", "Europe/Rome", "it"),
    "riga": ("Riga", "LV", "Europe/Riga", "lv"),
}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot():
    """Everything a second run could disturb, row by row."""
    return {
        "cities": sorted(City.objects.values_list("slug", "name", "timezone", "narrative")),
        "users": sorted(User.objects.values_list("email", "full_name", "preferred_language", "password", "is_staff")),
        "emails": sorted(EmailAddress.objects.values_list("email", "verified", "primary")),
        "memberships": sorted(CityMembership.objects.values_list("city__slug", "user__email")),
        "events": sorted(
            Event.objects.values_list("city__slug", "title", "status", "starts_at", "ends_at", "sequence", "updated_at")
        ),
        "sessions": sorted(Session.objects.values_list("event__title", "starts_at", "ends_at", "sequence", "updated_at")),
        "trainers": sorted(Event.trainers.through.objects.values_list("event_id", "user_id")),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """``seed_demo`` once for the whole module: it takes seconds. The rows are committed; each test
    runs in its own transaction on top of them (``django_db``), so what a test changes rolls back,
    and the module's end empties the database again, as a transactional test does."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("seed-media"))), django_db_blocker.unblock():
        output = _seed()
    yield output
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_a_second_run_changes_and_duplicates_nothing(seeded):
    before = _snapshot()
    output = _seed()
    assert _snapshot() == before
    assert "created now: 0 cities, 0 users, 0 events" in output


@pytest.mark.django_db
def test_a_rerun_restores_the_seed_texts_without_moving_dates(seeded):
    city = City.objects.get(slug="riga")
    city.narrative = "edited"
    city.save()
    event = Event.objects.filter(city=city, kind=Event.Kind.LAUNCH).get()
    starts_at = event.starts_at
    Event.objects.filter(pk=event.pk).update(summary="edited")

    _seed()

    city.refresh_from_db()
    event.refresh_from_db()
    assert city.narrative != "edited"
    assert event.summary != "edited"
    assert event.starts_at == starts_at


@pytest.mark.django_db
def test_the_seven_epi_cities_with_their_zones_and_languages(seeded):
    cities = {c.slug: (c.name, c.country, c.timezone, c.default_language) for c in City.objects.all()}
    assert cities == EXPECTED_CITIES


@pytest.mark.django_db
def test_narratives_are_in_the_citys_language_and_cover_the_three_areas(seeded):
    assert "interacción" in City.objects.get(slug="cartagena").narrative.lower()
    linkoping = City.objects.get(slug="linkoping").narrative.lower()
    for word in ("interaktion", "deltagande", "styrning", "samordningsorganet", "integrationspakt"):
        assert word in linkoping


@pytest.mark.django_db
def test_every_city_has_a_launch_and_two_trainings_of_three_or_four_sessions(seeded):
    for city in City.objects.all():
        events = Event.objects.filter(city=city).prefetch_related("sessions")
        launches = [e for e in events if e.kind == Event.Kind.LAUNCH]
        assert len(launches) == 1 and launches[0].sessions.count() == 1
        trainings = [e for e in events if e.kind == Event.Kind.TRAINING]
        assert len(trainings) >= 2
        assert all(3 <= len(t.sessions.all()) <= 4 for t in trainings)
        assert any(t.requires_approval and 15 <= t.capacity <= 25 for t in trainings)
        assert all(t.trainers.exists() for t in trainings)
        assert sum(e.kind == Event.Kind.COORDINATION for e in events) == 2
        assert any(e.kind == Event.Kind.PILOT for e in events)
        assert any(e.kind == Event.Kind.WORKSHOP for e in events)
        assert all(e.language == city.default_language for e in events)


@pytest.mark.django_db
def test_sessions_are_ahead_at_sensible_local_hours(seeded):
    now = timezone.now()
    for session in Session.objects.select_related("event__city").exclude(event__title=FINISHED_TRAINING_TITLE):
        zone = ZoneInfo(session.event.city.timezone)
        start, end = timezone.localtime(session.starts_at, zone), timezone.localtime(session.ends_at, zone)
        assert session.starts_at > now
        assert 8 <= start.hour and end.hour <= 21 and start.date() == end.date()


@pytest.mark.django_db
def test_event_dates_follow_the_sessions(seeded):
    for event in Event.objects.prefetch_related("sessions"):
        sessions = list(event.sessions.all())
        assert event.starts_at == min(s.starts_at for s in sessions)
        assert event.ends_at == max(s.ends_at for s in sessions)


@pytest.mark.django_db
def test_venues_have_addresses_and_coordinates_and_some_events_are_online(seeded):
    in_person = Event.objects.exclude(venue_name="")
    assert in_person.exists()
    assert not in_person.filter(venue_address="").exists()
    assert not in_person.filter(latitude__isnull=True).exists()
    assert Event.objects.filter(venue_name="").exclude(online_url="").exists()
    assert Event.objects.filter(status=Event.Status.PUBLISHED).count() > Event.objects.exclude(
        status=Event.Status.PUBLISHED
    ).count()


@pytest.mark.django_db
def test_people_roles_and_names_in_many_scripts(seeded):
    admin = User.objects.get(email="admin@demo.epi-events.eu")
    assert admin.is_staff and admin.is_superuser
    for slug in EXPECTED_CITIES:
        organizer = User.objects.get(email=f"organizer.{slug}@demo.epi-events.eu")
        assert CityMembership.objects.filter(user=organizer, city__slug=slug).exists()
    assert User.objects.filter(trained_events__isnull=False).distinct().count() == 2
    names = " ".join(User.objects.values_list("full_name", flat=True))
    for sample in ("ß", "Å", "Ł", "Ș", "ā", "Ελένη", "Олена", "فاطمة"):
        assert sample in names
    assert set(User.objects.values_list("preferred_language", flat=True)) == {"en", "es", "sv"}
    assert not EmailAddress.objects.filter(verified=False).exists()


@pytest.mark.django_db
def test_the_printed_demo_logins_work(seeded):
    assert DEMO_PASSWORD in seeded
    for email in ("admin@demo.epi-events.eu", "organizer.riga@demo.epi-events.eu", "participant10@demo.epi-events.eu"):
        assert email in seeded
        client = Client()
        response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_the_public_programme_shows_the_seeded_events(seeded, client):
    response = client.get(reverse("events:city_detail", kwargs={"slug": "linkoping"}), HTTP_ACCEPT_LANGUAGE="sv")
    html = response.content.decode()
    assert "Lansering av den lokala integrationsstrategin" in html
    assert "Europe/Stockholm" in html or "CET" in html or "CEST" in html
    # In English, the English text the seed wrote.
    html = client.get(
        reverse("events:city_detail", kwargs={"slug": "linkoping"}), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Launch of the local integration strategy" in html


@pytest.mark.django_db
def test_every_seeded_event_has_its_title_and_summary_in_the_city_language_and_english(seeded):
    for event in Event.objects.select_related("city"):
        assert event.language == event.city.default_language
        assert event.title and event.summary
        assert event.translations["en"]["title"] and event.translations["en"]["summary"]
    riga_uk = Event.objects.filter(city__slug="riga", translations__has_key="uk")
    dietzenbach_ar = Event.objects.filter(city__slug="dietzenbach", translations__has_key="ar")
    assert riga_uk.count() == 1 and dietzenbach_ar.count() == 1
    assert dietzenbach_ar.get().localized("title", "ar").language == "ar"
    # The search column holds the translations too.
    assert Event.objects.filter(search_text__contains=normalise_search("حديقة")).count() == 1


@pytest.mark.django_db
def test_registrations_show_confirmed_pending_and_waiting_people(seeded):
    statuses = set(Registration.objects.values_list("status", flat=True))
    assert {"confirmed", "pending", "waiting"} <= statuses
    for event in Event.objects.exclude(capacity=None):
        confirmed = event.registrations.filter(status="confirmed").count()
        assert confirmed <= event.capacity
        if event.registrations.filter(status="waiting").exists():
            assert confirmed == event.capacity


@pytest.mark.django_db
def test_a_finished_training_has_attendance_and_certificates_for_those_who_earned_them(seeded):
    from certificates.models import Certificate

    event = Event.objects.get(title=FINISHED_TRAINING_TITLE)
    assert event.ends_at < timezone.now()
    confirmed = event.registrations.filter(status="confirmed").count()
    assert confirmed == 8
    # One participant came to one session of three: below the 75 % rule.
    assert Certificate.objects.filter(event=event).count() == confirmed - 1


@pytest.mark.django_db
def test_a_second_run_adds_no_registrations_or_certificates(seeded):
    from certificates.models import Certificate

    counts = (Registration.objects.count(), Certificate.objects.count(), Attendance.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Registration.objects.count(), Certificate.objects.count(), Attendance.objects.count()) == counts


@pytest.mark.django_db
def test_every_city_has_its_own_information_notice_in_its_language(seeded):
    from privacy.models import ConsentText
    from privacy.texts import wording

    for slug, (name, _country, _zone, language) in EXPECTED_CITIES.items():
        city = City.objects.get(slug=slug)
        notice = wording(ConsentText.NOTICE, city, language)
        assert name in notice.text and f"organizer.{slug}@" in notice.text
        assert notice.version == "demo-2026-1"


@pytest.mark.django_db
def test_a_second_run_leaves_an_event_a_user_made_untouched(seeded):
    from tests.factories import EventFactory

    riga = City.objects.get(slug="riga")
    own = EventFactory(city=riga, title="Our own neighbourhood walk", capacity=4)
    assert own.is_published and own.starts_at > timezone.now()

    output = _seed()

    assert not Registration.objects.filter(event=own).exists()
    assert "0 registrations" in output


# Last in the module: a transactional test empties the database the module-wide seed lives in.
@pytest.mark.django_db(transaction=True)
def test_the_seed_sends_no_email_even_with_background_sending_and_ends_with_the_logins(transactional_db, settings, mailoutbox):
    from outbox.background import background_wait

    settings.EMAILS_IN_BACKGROUND_THREAD = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    output = _seed()
    background_wait(timeout=30)
    assert Registration.objects.exists()
    assert mailoutbox == []
    lines = output.rstrip("\n").splitlines()
    logins = [line for line in lines if DEMO_PASSWORD in line]
    assert lines[-1] == logins[-1]
