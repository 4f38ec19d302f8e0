import pytest

from events.models import Registration
from privacy.models import Consent, DemographicProfile, Purpose, RetentionPolicy
from privacy.services.consents import consent_give, consent_is_active
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_my_data_needs_login(client):
    assert client.get("/privacy/me/").status_code == 302


def test_my_data_shows_each_consent_with_version_and_withdraws_with_one_click(client, participant):
    consent = consent_give(user=participant, purpose=Purpose.PHOTOS, how=Consent.How.REGISTRATION)
    client.force_login(participant)
    page = client.get("/privacy/me/").content.decode()
    assert "Photos at the event" in page and consent.text_version in page
    assert "0 registrations" in page
    assert f"/privacy/me/consents/{consent.pk}/withdraw/" in page
    client.post(f"/privacy/me/consents/{consent.pk}/withdraw/")
    assert not consent_is_active(participant, Purpose.PHOTOS)


def test_a_participant_cannot_withdraw_another_persons_consent_through_the_page(client, participant):
    other = UserFactory()
    consent = consent_give(user=other, purpose=Purpose.LISTED, how=Consent.How.MY_DATA)
    client.force_login(participant)
    client.post(f"/privacy/me/consents/{consent.pk}/withdraw/")
    assert consent_is_active(other, Purpose.LISTED)


def test_giving_a_consent_from_the_page(client, participant):
    client.force_login(participant)
    client.post("/privacy/me/consents/give/", {"purpose": "invitations"})
    assert Consent.objects.get(user=participant).how == "my_data"


def test_demographic_answers_need_the_box_ticked(client, participant):
    client.force_login(participant)
    client.post("/privacy/me/demographics/", {"age_band": "25-34"})
    assert not DemographicProfile.objects.exists()
    client.post("/privacy/me/demographics/", {"age_band": "25-34", "gender": "prefer_not", "consent": "on"})
    assert DemographicProfile.objects.get(user=participant).age_band == "25-34"
    client.post("/privacy/me/demographics/", {"action": "delete"})
    assert not DemographicProfile.objects.exists()


def test_the_registration_form_shows_the_notice_and_unticked_optional_consents(client, participant, event):
    client.force_login(participant)
    page = client.get(f"/events/{event.pk}/register/").content.decode()
    assert "I have read the information notice." in page
    assert 'name="optional_photos"' in page and "checked" not in page.split('name="optional_photos"')[1][:40]
    response = client.post(f"/events/{event.pk}/register/", {"consent": "on", "optional_listed": "on"})
    assert response.status_code == 302
    assert Registration.objects.get(user=participant).consent_text_version == "2026-12"
    [consent] = Consent.objects.filter(user=participant)
    assert (consent.purpose, consent.city, consent.how) == ("listed", event.city, "registration")


def test_registering_without_ticking_gives_no_consent(client, participant):
    event = EventFactory()
    client.force_login(participant)
    client.post(f"/events/{event.pk}/register/", {"consent": "on"})
    assert Registration.objects.filter(user=participant).exists()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("who, sees_form", [("visitor", False), ("participant", False), ("organizer", True),
                                           ("other_organizer", False), ("admin_user", True)])
def test_city_privacy_page_role_matrix(client, request, city, who, sees_form):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    response = client.get(f"/privacy/cities/{city.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Next clean-up" in page
    assert ('name="registration_months"' in page) == sees_form
    posted = client.post(f"/privacy/cities/{city.slug}/", {
        "registration_months": 6, "sensitive_answer_months": 1, "email_body_days": 30, "survey_token_days": 30,
    })
    assert posted.status_code == (302 if sees_form else 404)
    assert RetentionPolicy.objects.filter(city=city).exists() == sees_form


def test_retention_form_refuses_sensitive_answers_kept_longer(client, organizer, city):
    client.force_login(organizer)
    response = client.post(f"/privacy/cities/{city.slug}/", {
        "registration_months": 2, "sensitive_answer_months": 6, "email_body_days": 30, "survey_token_days": 30,
    })
    assert response.status_code == 200
    assert "cannot be kept longer" in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_deleting_and_undoing_from_the_page(client, participant):
    client.force_login(participant)
    client.post("/privacy/me/delete/", {"certificates": "keep"})
    assert not participant.deletion_requests.exists()  # the box was not ticked
    client.post("/privacy/me/delete/", {"certificates": "erase", "confirm": "on"})
    request = participant.deletion_requests.get()
    assert request.certificates == "erase"
    assert "Keep my account" in client.get("/privacy/me/").content.decode()
    client.post("/privacy/me/delete/cancel/")
    request.refresh_from_db()
    assert request.status == "undone"


def test_an_organizer_words_the_citys_consent_with_a_new_version_and_translations(client, organizer, other_organizer, city):
    from privacy.texts import wording

    url = f"/privacy/cities/{city.slug}/texts/photos/"
    client.force_login(other_organizer)
    assert client.get(url).status_code == 404
    client.force_login(organizer)
    assert client.get(url).status_code == 200
    same_version = client.post(url, {"version": "2026-1", "text": "Photos may be taken."})
    assert same_version.status_code == 400 and "new version" in same_version.content.decode()
    client.post(url, {"version": "riga-2", "text": "Photos may be taken.", "text_lv": "Var fotografēt."})
    assert wording("photos", city, "lv").text == "Var fotografēt."
    assert wording("photos", city, "sv").text == "Photos may be taken."
    consent = consent_give(user=UserFactory(), purpose=Purpose.PHOTOS, how=Consent.How.REGISTRATION, city=city)
    assert consent.text_version == "riga-2"


def test_the_city_page_links_to_its_privacy_page(client, city):
    page = client.get(f"/cities/{city.slug}/").content.decode()
    assert f"/privacy/cities/{city.slug}/" in page
