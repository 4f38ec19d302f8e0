"""Emails in the recipient's language and direction; plural forms chosen per language."""

import pytest
from django.urls import reverse

from events.services.registrations import RegistrationError, event_change_capacity, registration_create
from outbox.models import OutgoingEmail
from tests.factories import EventFactory, RegistrationFactory, UserFactory
from tests.i18n.catalogues import use_catalogues, write_catalogue

POLISH = {
    "Registration confirmed: %(title)s": "Rejestracja potwierdzona: %(title)s",
    "Hello %(name)s,": "Dzień dobry, %(name)s,",
    "Thank you for registering for %(title)s. Your seat is confirmed.":
        "Dziękujemy za rejestrację na %(title)s. Miejsce jest potwierdzone.",
    "Event page": "Strona wydarzenia",
    "My registrations": "Moje rejestracje",
}


@pytest.fixture
def polish(settings, tmp_path):
    write_catalogue(tmp_path, "pl", "django", POLISH)
    use_catalogues(settings, tmp_path)


@pytest.mark.django_db
def test_an_email_to_a_polish_speaker_comes_from_the_polish_catalogue(
    polish, city, django_capture_on_commit_callbacks
):
    event = EventFactory(city=city, title="Kawiarnia międzykulturowa")
    participant = UserFactory(preferred_language="pl", full_name="Łucja Wiśniewska")
    # Whoever triggers it (here an English-speaking request) does not set the email's language.
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=participant, consent_version="2026-11")
    message = OutgoingEmail.objects.get(template="registration_confirmed")
    assert message.language == "pl"
    assert "Rejestracja potwierdzona: Kawiarnia międzykulturowa" in message.subject
    for body in (message.body_text, message.body_html):
        assert "Dzień dobry, " in body
        assert "Dziękujemy za rejestrację na " in body
        assert "Thank you for registering" not in body
        assert "Registration confirmed" not in body
    assert "Strona wydarzenia" in message.body_html
    # Names and titles are isolated in the HTML, so they cannot reorder the sentence around them.
    assert "<bdi>Kawiarnia międzykulturowa</bdi>" in message.body_html


@pytest.mark.django_db
def test_an_arabic_email_is_right_to_left_with_mirrored_inline_styles(city, django_capture_on_commit_callbacks):
    event = EventFactory(city=city, title="Intercultural café")
    participant = UserFactory(preferred_language="ar", full_name="ليلى حداد")
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=participant, consent_version="2026-11")
    html = OutgoingEmail.objects.get(template="registration_confirmed").body_html
    assert '<html lang="ar" dir="rtl">' in html
    assert "border-right:4px solid" in html and "border-left" not in html
    assert "<bdi>Intercultural café</bdi>" in html and "<bdi>ليلى حداد</bdi>" in html


# Plural forms ---------------------------------------------------------------------------------

SEATS = ("%(counter)s seat left", "%(counter)s seats left")


@pytest.fixture
def plural_catalogues(settings, tmp_path):
    # Polish has three forms (1 / 2–4 / 5+), Arabic six (0 / 1 / 2 / 3–10 / 11–99 / 100+).
    write_catalogue(tmp_path, "pl", "django", {SEATS: ["PL-one %(counter)s", "PL-few %(counter)s", "PL-many %(counter)s"]})
    write_catalogue(
        tmp_path, "ar", "django", {SEATS: ["AR-zero %(counter)s", "AR-one %(counter)s", "AR-two %(counter)s",
                                           "AR-few %(counter)s", "AR-many %(counter)s", "AR-other %(counter)s"]}
    )
    use_catalogues(settings, tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "left", "expected"),
    [
        ("pl", 1, "PL-one 1"), ("pl", 3, "PL-few 3"), ("pl", 5, "PL-many 5"), ("pl", 22, "PL-few 22"),
        ("pl", 12, "PL-many 12"),
        ("ar", 1, "AR-one 1"), ("ar", 2, "AR-two 2"), ("ar", 7, "AR-few 7"), ("ar", 11, "AR-many 11"),
    ],
)
def test_seats_left_take_the_languages_plural_form(client, settings, plural_catalogues, city, lang, left, expected):
    event = EventFactory(city=city, capacity=left)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    assert expected in client.get(event.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_capacity_error_counts_registrations_in_the_singular_and_plural(city):
    event = EventFactory(city=city, capacity=5)
    RegistrationFactory(event=event, status="confirmed")
    with pytest.raises(RegistrationError) as one:
        event_change_capacity(event=event, capacity=0)
    assert "the 1 confirmed registration." in str(one.value)
    RegistrationFactory(event=event, status="confirmed")
    with pytest.raises(RegistrationError) as two:
        event_change_capacity(event=event, capacity=1)
    assert "the 2 confirmed registrations." in str(two.value)


@pytest.mark.django_db
def test_batch_progress_counts_issued_certificates_with_a_plural(client, city):
    from certificates.models import CertificateBatch

    event = EventFactory(city=city)
    organizer = UserFactory(is_staff=True)
    batch = CertificateBatch.objects.create(event=event, created_by=organizer, total=3, done=1, issued=1)
    client.force_login(organizer)
    state = client.get(reverse("certificates:batch_progress", args=[batch.pk])).json()
    assert state["message"] == "1 of 3 processed, 1 certificate issued."
