import pytest
from django.db import IntegrityError, transaction

from privacy.models import Consent, ConsentText, DemographicProfile, Purpose
from privacy.services.consents import consent_give, consent_is_active, consent_withdraw, consent_withdraw_by_id
from privacy.services.demographics import DemographicsError, demographics_save
from privacy.texts import DEFAULT_VERSION, NOTICE_VERSION, wording
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_consent_is_recorded_with_purpose_version_time_and_how(participant):
    consent = consent_give(user=participant, purpose=Purpose.PHOTOS, how=Consent.How.MY_DATA)
    assert consent.purpose == "photos"
    assert consent.text_version == DEFAULT_VERSION
    assert consent.how == "my_data"
    assert consent.given_at is not None and consent.withdrawn_at is None
    assert consent_is_active(participant, Purpose.PHOTOS)
    assert not consent_is_active(participant, Purpose.LISTED)


def test_giving_twice_keeps_one_active_record(participant):
    first = consent_give(user=participant, purpose=Purpose.INVITATIONS, how=Consent.How.MY_DATA)
    second = consent_give(user=participant, purpose=Purpose.INVITATIONS, how=Consent.How.MY_DATA)
    assert first.pk == second.pk
    assert Consent.objects.filter(user=participant).count() == 1


def test_withdrawal_stops_use_at_once_and_keeps_the_record(participant):
    consent_give(user=participant, purpose=Purpose.INVITATIONS, how=Consent.How.MY_DATA)
    assert consent_withdraw(user=participant, purpose=Purpose.INVITATIONS) == 1
    assert not consent_is_active(participant, Purpose.INVITATIONS)
    row = Consent.objects.get(user=participant)
    assert row.withdrawn_at is not None
    # Giving again is a new record with its own time.
    again = consent_give(user=participant, purpose=Purpose.INVITATIONS, how=Consent.How.MY_DATA)
    assert again.pk != row.pk
    assert list(Consent.objects.active().filter(user=participant)) == [again]


def test_a_city_consent_covers_only_that_city(participant, city, other_city):
    consent_give(user=participant, purpose=Purpose.PHOTOS, how=Consent.How.REGISTRATION, city=city)
    assert consent_is_active(participant, Purpose.PHOTOS, city)
    assert not consent_is_active(participant, Purpose.PHOTOS, other_city)
    assert not consent_is_active(participant, Purpose.PHOTOS)


def test_a_consent_for_every_city_covers_each_city(participant, city):
    consent_give(user=participant, purpose=Purpose.LISTED, how=Consent.How.MY_DATA)
    assert consent_is_active(participant, Purpose.LISTED, city)


def test_the_database_refuses_two_active_consents_for_one_purpose(participant):
    Consent.objects.create(user=participant, purpose=Purpose.PHOTOS, text_version="1", how="my_data")
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=participant, purpose=Purpose.PHOTOS, text_version="1", how="my_data")


def test_one_cannot_withdraw_someone_elses_consent(participant):
    other = UserFactory()
    consent = consent_give(user=other, purpose=Purpose.PHOTOS, how=Consent.How.MY_DATA)
    assert consent_withdraw_by_id(user=participant, consent_id=consent.pk) == 0
    assert consent_is_active(other, Purpose.PHOTOS)
    assert consent_withdraw_by_id(user=other, consent_id=consent.pk) == 1


def test_a_citys_own_wording_and_version_are_recorded(participant, city):
    ConsentText.objects.create(
        city=city, kind=Purpose.PHOTOS, version="riga-3", text="Foto", text_translations={"lv": "Fotogrāfijas"}
    )
    assert wording(Purpose.PHOTOS, city, "lv").text == "Fotogrāfijas"
    assert wording(Purpose.PHOTOS, city, "sv").text == "Foto"
    consent = consent_give(user=participant, purpose=Purpose.PHOTOS, how=Consent.How.REGISTRATION, city=city)
    assert consent.text_version == "riga-3"


def test_the_built_in_wording_is_translated(city):
    assert wording(Purpose.PHOTOS, None, "en").text != ""
    assert wording("notice", city, "en").version == NOTICE_VERSION


def test_demographics_need_their_own_explicit_consent(participant):
    with pytest.raises(DemographicsError):
        demographics_save(user=participant, moved_to_country="yes")
    assert not DemographicProfile.objects.exists()
    # Another consent does not stand in for it.
    consent_give(user=participant, purpose=Purpose.INVITATIONS, how=Consent.How.MY_DATA)
    with pytest.raises(DemographicsError):
        demographics_save(user=participant, moved_to_country="yes")


def test_demographic_answers_each_allow_prefer_not_to_say(participant):
    profile = demographics_save(
        user=participant,
        moved_to_country="prefer_not",
        years_in_country="prefer_not",
        age_band="prefer_not",
        gender="prefer_not",
        consent=True,
    )
    assert profile.moved_to_country == DemographicProfile.PREFER_NOT
    assert consent_is_active(participant, Purpose.DEMOGRAPHICS)
    assert Consent.objects.get(user=participant).how == "profile"


def test_gender_in_ones_own_words_is_kept_only_with_that_choice(participant):
    profile = demographics_save(user=participant, gender="self", gender_self_description="  two  spirit ", consent=True)
    assert profile.gender_self_description == "two spirit"
    profile = demographics_save(user=participant, gender="woman", gender_self_description="ignored")
    assert profile.gender_self_description == ""


def test_an_answer_outside_the_bands_is_refused(participant):
    with pytest.raises(DemographicsError):
        demographics_save(user=participant, age_band="37", consent=True)


def test_withdrawing_the_demographics_consent_deletes_the_answers(participant):
    demographics_save(user=participant, moved_to_country="yes", years_in_country="1-2", consent=True)
    consent_withdraw(user=participant, purpose=Purpose.DEMOGRAPHICS)
    assert not DemographicProfile.objects.filter(user=participant).exists()
    assert not consent_is_active(participant, Purpose.DEMOGRAPHICS)
    with pytest.raises(DemographicsError):
        demographics_save(user=participant, moved_to_country="yes")


def test_the_city_wordings_of_a_page_are_read_in_one_query(city, django_assert_num_queries):
    from events.models import City

    ConsentText.objects.create(city=city, kind=Purpose.PHOTOS, version="riga-3", text="Foto")
    fresh = City.objects.get(pk=city.pk)
    with django_assert_num_queries(1):
        texts = [wording(kind, fresh, "en") for kind in ("notice", Purpose.PHOTOS, Purpose.LISTED, Purpose.INVITATIONS)]
    assert [t.version for t in texts[:2]] == [NOTICE_VERSION, "riga-3"]
    assert texts[1].text == "Foto"
