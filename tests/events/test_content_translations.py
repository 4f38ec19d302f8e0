"""Event texts in several languages: the fallback chain, how pages mark another language, search,
the services' validation, the organizer's form and "untranslated" list, and what each costs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from events.content import normalise_search, pick_text
from events.models import Event
from events.services import events as event_services
from events.services.events import EventError
from tests.factories import OrganizerFactory

LV = {"title": "Kaimiņu vakars", "summary": "Vakariņas kopā.", "description": "Nāciet visi."}


def make_event(city, *, translations=None, **fields):
    """A published event made the way organizers make one: through the services."""
    values = {"kind": Event.Kind.LAUNCH, "area": Event.Area.INTERACTION, "language": "lv", **LV, **fields}
    event = event_services.event_create(city=city, created_by=None, translations=translations, **values)
    start = timezone.now() + timedelta(days=7)
    event_services.session_create(event=event, starts_at=start, ends_at=start + timedelta(hours=2))
    return event_services.event_publish(event=event)


# --------------------------------------------------------------------------- the fallback chain


def test_the_readers_language_comes_first():
    found = pick_text(source_text="Sveiki", source_language="lv", translations={"de": "Hallo", "en": "Hi"}, language="de")
    assert (found.text, found.language) == ("Hallo", "de")


def test_then_the_base_of_the_readers_language():
    found = pick_text(source_text="Sveiki", source_language="lv", translations={"pt": "Olá", "en": "Hi"}, language="pt-br")
    assert (found.text, found.language) == ("Olá", "pt")


def test_then_the_events_own_language():
    found = pick_text(source_text="Sveiki", source_language="lv", translations={"en": "Hi"}, language="pl")
    assert (found.text, found.language) == ("Sveiki", "lv")


def test_then_english_when_the_own_language_text_is_empty():
    found = pick_text(source_text="", source_language="lv", translations={"uk": "Привіт", "en": "Hi"}, language="pl")
    assert (found.text, found.language) == ("Hi", "en")


def test_then_any_language_in_the_sites_order():
    found = pick_text(source_text="", source_language="lv", translations={"uk": "Привіт", "ar": "مرحبا"}, language="pl")
    # settings.LANGUAGES lists ar before uk.
    assert (found.text, found.language) == ("مرحبا", "ar")


def test_nothing_anywhere_is_an_empty_text():
    found = pick_text(source_text="", source_language="lv", translations={}, language="pl")
    assert not found and found.text == ""


def test_the_source_language_reads_the_column_not_a_stray_translation():
    found = pick_text(source_text="Sveiki", source_language="lv", translations={"lv": "stale"}, language="lv")
    assert found.text == "Sveiki"


def test_event_localized_follows_the_active_language(city):
    event = make_event(city, translations={"en": {"title": "Neighbours' evening"}})
    with translation.override("en"):
        assert event.localized("title").text == "Neighbours' evening"
        # No English summary: the Latvian one, and it says so.
        assert (event.localized("summary").text, event.localized("summary").language) == ("Vakariņas kopā.", "lv")
    assert event.localized("title", "lv").text == "Kaimiņu vakars"
    assert event.localized("title", "pl").text == "Kaimiņu vakars"


def test_question_labels_use_the_same_chain(city):
    event = make_event(city)
    question = event.questions.create(label="Vai jums vajag tulku?", kind="yes_no", label_translations={"en": "Interpreter?"})
    question = event.questions.get(pk=question.pk)  # loaded with its event, as the registration form does
    assert question.label_for("en") == "Interpreter?"
    assert question.label_for("en-gb") == "Interpreter?"
    assert question.label_for("de") == "Vai jums vajag tulku?"


# --------------------------------------------------------------------------- pages


def test_a_page_marks_text_in_another_language(client, city):
    event = make_event(city, translations={"en": {"title": "Neighbours' evening"}})
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Neighbours&#x27; evening</h1>" in html or "<h1>Neighbours&#39; evening</h1>" in html
    # The summary has no English text: shown in Latvian, marked, with a note.
    assert '<p class="lead" lang="lv">Vakariņas kopā.</p>' in html
    assert "Not available in your language. Shown in: Latvian." in html


def test_text_in_the_pages_language_is_not_marked(client, city):
    event = make_event(city)
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="lv").content.decode()
    assert '<h1>Kaimiņu vakars</h1>' in html
    assert 'content-language-note' not in html


def test_left_to_right_text_on_an_arabic_page_gets_its_direction(client, city):
    event = make_event(city)
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    # The heading keeps the page's direction (it starts at the right edge); the title inside it
    # is isolated with its own language and direction.
    assert '<h1><span lang="lv" dir="ltr">Kaimiņu vakars</span></h1>' in html


def test_the_list_shows_each_event_in_the_readers_language(client, city):
    make_event(city, title="Pirmais", translations={"uk": {"title": "Перший"}})
    make_event(city, title="Otrais")
    html = client.get(reverse("events:event_list"), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert ">Перший</a>" in html
    assert 'lang="lv">Otrais</a>' in html


def test_the_calendar_file_is_in_the_requested_language(client, city):
    event = make_event(city, translations={"en": {"title": "Neighbours' evening"}})
    english = client.get(reverse("calendars:event_ics", args=[event.pk]), {"lang": "en"}).content.decode()
    latvian = client.get(reverse("calendars:event_ics", args=[event.pk]), {"lang": "lv"}).content.decode()
    assert "SUMMARY:Neighbours' evening" in english
    assert "SUMMARY:Kaimiņu vakars" in latvian


def _queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


ALL_TEN = {code: {"title": f"T {code}", "summary": f"S {code}", "description": f"D {code}"}
           for code in ("en", "es", "ro", "de", "sv", "pl", "it", "ar", "uk")}


def test_the_list_costs_the_same_queries_whatever_the_number_of_translations(client, city):
    make_event(city)
    few = _queries(client, reverse("events:event_list"), HTTP_ACCEPT_LANGUAGE="de")
    for _ in range(4):
        make_event(city, translations=ALL_TEN)
    many = _queries(client, reverse("events:event_list"), HTTP_ACCEPT_LANGUAGE="de")
    assert few == many


def test_the_event_page_costs_the_same_queries_with_or_without_translations(client, city):
    bare = make_event(city)
    translated = make_event(city, translations=ALL_TEN)
    assert _queries(client, bare.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de") == _queries(
        client, translated.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"
    )


# --------------------------------------------------------------------------- search


@pytest.fixture
def searchable(city):
    return {
        "linkoping": make_event(city, language="sv", title="Språkcafé i Linköping", summary="", description=""),
        "lodz": make_event(city, language="pl", title="Spotkanie w Łodzi", summary="Łódź i okolice", description=""),
        "kyiv": make_event(city, language="uk", title="Зустріч громади Київ", summary="", description=""),
        "arabic": make_event(city, language="ar", title="حديقة الحيّ", summary="نزرع معًا", description=""),
        "english": make_event(
            city, title="Kaimiņu vakars", summary="", description="",
            translations={"en": {"title": "Neighbours' evening"}, "sv": {"title": "Grannkväll"}},
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # ASCII, either case
        ("neighbours", "english"), ("NEIGHBOURS Evening", "english"),
        # accented, typed with or without the accents, either case
        ("linkoping", "linkoping"), ("LINKÖPING", "linkoping"), ("Linköping", "linkoping"), ("sprakcafe", "linkoping"),
        ("lodz", "lodz"), ("LODZ", "lodz"), ("łódź", "lodz"), ("ŁÓDŹ", "lodz"), ("kaiminu", "english"),
        # Cyrillic, either case
        ("київ", "kyiv"), ("КИЇВ", "kyiv"), ("громади", "kyiv"), ("ГРОМАДИ", "kyiv"),
        # Arabic, with or without vowel marks and hamza, ta marbuta typed as ha
        ("حديقة", "arabic"), ("حَدِيقَةُ", "arabic"), ("حديقه", "arabic"), ("معا", "arabic"),
        # a translation finds its event
        ("grannkvall", "english"),
    ],
)
def test_search_finds_an_event_by_any_of_its_texts(client, searchable, query, expected):
    response = client.get(reverse("events:event_list"), {"q": query})
    assert list(response.context["events"]) == [searchable[expected]]


# Codes that appear in no text ("en" would, inside "evening": substrings match, as users expect).
@pytest.mark.parametrize("query", ["sv", "uk", "title", "summary"])
def test_language_codes_and_field_names_never_match(client, searchable, query):
    response = client.get(reverse("events:event_list"), {"q": query})
    assert list(response.context["events"]) == []


def test_every_word_must_match(client, searchable):
    assert list(client.get(reverse("events:event_list"), {"q": "lodz okolice"}).context["events"]) == [searchable["lodz"]]
    assert list(client.get(reverse("events:event_list"), {"q": "lodz neighbours"}).context["events"]) == []


def test_normalising_handles_letters_nfkd_leaves_alone():
    assert normalise_search("Łódź Straße Ærø Đakovo") == "lodz strasse aero dakovo"


def test_the_search_column_follows_updates(city):
    event = make_event(city)
    event_services.event_update(event=event, title="Jauns nosaukums", translations={"de": {"title": "Neuer Titel"}})
    event.refresh_from_db()
    assert "jauns nosaukums" in event.search_text and "neuer titel" in event.search_text
    assert "kaiminu" not in event.search_text
    assert "de" not in event.search_text.split()


# --------------------------------------------------------------------------- the services validate


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        ({"xx": {"title": "?"}}, "“xx” is not a language of this site."),
        ({"en": {"venue_name": "Hall"}}, "“venue_name” cannot be translated."),
        ({"en": {"title": "x" * 201}}, "The translation of “title” into English is longer than 200 characters."),
        ({"lv": {"title": "Vēlreiz"}}, "Latvian is the language of delivery"),
        ({"en": "Neighbours"}, "Translations must be given per language."),
        ({"en": {"title": 3}}, "Translations must be given per language."),
    ],
)
def test_the_services_refuse_bad_translations(city, translations, message):
    with pytest.raises(EventError, match=message):
        make_event(city, translations=translations)
    event = make_event(city)
    with pytest.raises(EventError, match=message):
        event_services.event_update(event=event, translations=translations)


def test_the_services_trim_and_drop_empty_texts(city):
    event = make_event(city, translations={"en": {"title": "  Evening ", "summary": "  "}, "de": {"title": ""}})
    assert event.translations == {"en": {"title": "Evening"}}


def test_session_titles_translate_too(city):
    event = make_event(city)
    session = event.sessions.get()
    start = session.starts_at
    event_services.session_update(
        session=session, starts_at=start, ends_at=start + timedelta(hours=2), title="1. nodarbība",
        translations={"en": {"title": "Session 1"}},
    )
    session = event.sessions.get()
    assert session.localized("title", "en").text == "Session 1"
    assert session.localized("title", "de").text == "1. nodarbība"
    with pytest.raises(EventError):
        event_services.session_update(
            session=session, starts_at=start, ends_at=start + timedelta(hours=1), translations={"en": {"room": "A"}}
        )


def test_duplicating_keeps_the_translations(city, organizer):
    event = make_event(city, translations={"en": {"title": "Evening"}})
    copy = event_services.event_duplicate(event=event, actor=organizer)
    assert copy.translations == {"en": {"title": "Evening"}}
    assert "evening" in copy.search_text


# --------------------------------------------------------------------------- the organizer's pages


def _form_data(client, city, **overrides):
    from tests.events.test_manage import new_event_data

    return new_event_data(client, city, **overrides)


def test_the_event_form_takes_a_translation_per_language(client, organizer, city):
    client.force_login(organizer)
    data = _form_data(client, city, title="Kaimiņu vakars", tr_en_title="Neighbours' evening", tr_uk_summary="Вечеря")
    response = client.post(reverse("events:manage_event_create", args=[city.slug]), data)
    assert response.status_code == 302
    event = Event.objects.get(title="Kaimiņu vakars")
    assert event.translations == {"en": {"title": "Neighbours' evening"}, "uk": {"summary": "Вечеря"}}
    page = client.get(reverse("events:manage_event_edit", args=[event.pk])).content.decode()
    # The source language's fields come first; each other language has its <details>, open when filled.
    assert page.index('name="title"') < page.index('name="tr_en_title"')
    assert 'name="tr_lv_title"' not in page
    assert '<details open>' in page and 'lang="uk" dir="ltr"' in page


def test_a_translation_in_the_language_of_delivery_is_refused_on_the_form(client, organizer, city):
    client.force_login(organizer)
    data = _form_data(client, city, language="en", tr_en_title="Twice")
    response = client.post(reverse("events:manage_event_create", args=[city.slug]), data)
    assert response.status_code == 200
    assert "This is the language of delivery" in response.content.decode()
    assert not Event.objects.filter(title="Intercultural competence").exists()


def test_the_untranslated_list_shows_which_events_lack_which_languages(client, organizer, city):
    done = make_event(city, title="Viss iztulkots", translations={
        code: {"title": "t", "summary": "s", "description": "d"} for code in ("en", "es", "ro", "de", "sv", "pl", "it", "ar", "uk")
    })
    partial = make_event(city, title="Daļēji", translations={"en": {"title": "Partly"}})
    client.force_login(organizer)
    response = client.get(reverse("events:manage_untranslated", args=[city.slug]))
    rows = {row["event"].pk: [code for code, _name, _partial in row["missing"]] for row in response.context["rows"]}
    assert done.pk not in rows
    # English has a title but no summary or description yet: still missing.
    assert rows[partial.pk] == ["en", "es", "ro", "de", "sv", "pl", "it", "ar", "uk"]
    assert "Ukrainian" in response.content.decode()
    assert "English (summary, description)" in response.content.decode()


def test_only_the_citys_organizers_see_its_untranslated_list(client, city, other_city):
    client.force_login(OrganizerFactory(city=other_city))
    assert client.get(reverse("events:manage_untranslated", args=[city.slug])).status_code == 403


def test_the_admin_lists_titles_in_the_admins_language_and_searches_every_language(client, city):
    from tests.factories import UserFactory

    make_event(city, language="sv", title="Språkcafé i Linköping", translations={"en": {"title": "Language café"}})
    make_event(city, title="Cits pasākums")
    client.force_login(UserFactory(is_staff=True, preferred_language="en"))
    url = reverse("admin:events_event_changelist")
    page = client.get(url).content.decode()
    assert "Language café" in page
    found = client.get(url, {"q": "LINKOPING"})
    assert [event.title for event in found.context["cl"].result_list] == ["Språkcafé i Linköping"]


def test_the_admin_form_refuses_bad_translations_with_a_message(db):
    from events.admin import EventAdminForm

    form = EventAdminForm(data={"translations": '{"xx": {"title": "?"}}', "language": "lv"})
    form.is_valid()
    assert form.errors["translations"] == ["“xx” is not a language of this site."]


def test_an_email_names_the_event_in_the_recipients_language(city, django_capture_on_commit_callbacks):
    from events.forms_registration import CONSENT_VERSION
    from events.services.registrations import registration_create
    from tests.factories import UserFactory

    event = make_event(city, translations={"pl": {"title": "Wieczór sąsiedzki"}})
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=UserFactory(preferred_language="pl"), consent_version=CONSENT_VERSION)
    from outbox.models import OutgoingEmail

    email = OutgoingEmail.objects.get()
    assert "Wieczór sąsiedzki" in email.subject
    assert "Wieczór sąsiedzki" in email.body_text
    assert "Kaimiņu vakars" not in email.body_text


def test_a_city_name_typed_without_accents_finds_its_events(client, city, other_city):
    from tests.factories import CityFactory

    linkoping = CityFactory(name="Linköping", slug="linkoping", timezone="Europe/Stockholm", default_language="sv")
    event = make_event(linkoping, language="sv", title="Möte", summary="", description="")
    make_event(other_city, language="it", title="Riunione", summary="", description="")
    assert list(client.get(reverse("events:event_list"), {"q": "LINKOPING"}).context["events"]) == [event]


def test_postgresql_has_a_trigram_index_on_the_search_column(db):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'event_search_text_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition


def test_the_event_form_takes_session_titles_in_other_languages(client, organizer, city):
    client.force_login(organizer)
    data = _form_data(client, city, title="Kaimiņu vakars", **{"sessions-0-tr_en_title": "First evening"})
    assert client.post(reverse("events:manage_event_create", args=[city.slug]), data).status_code == 302
    event = Event.objects.get(title="Kaimiņu vakars")
    session = event.sessions.get()
    assert session.translations == {"en": {"title": "First evening"}}
    english = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "First evening" in english.content.decode()
    # Editing keeps it, and shows it in an open <details>.
    page = client.get(reverse("events:manage_event_edit", args=[event.pk])).content.decode()
    assert 'value="First evening"' in page


def test_registration_questions_follow_the_chain_and_mark_their_language(client, city, participant):
    event = make_event(city)
    event.questions.create(
        label="Vai jums vajag tulku?", kind="single_choice", label_translations={"en": "Do you need an interpreter?"},
        choices=[
            {"value": "no", "label": "Nē", "translations": {"en": "No"}},
            {"value": "ar", "label": "Arābu valodā", "translations": {}},
        ],
    )
    client.force_login(participant)
    html = client.get(reverse("registrations:register", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Do you need an interpreter?" in html and " No</label>" in html
    # A choice with no English label falls back to the event's language.
    assert "Arābu valodā" in html
    participant.preferred_language = "de"
    participant.save()
    html = client.get(reverse("registrations:register", args=[event.pk])).content.decode()
    assert '<span lang="lv">Vai jums vajag tulku?</span>' in html
    # Inline event titles are marked the same way, the note as an element, not as escaped text.
    assert '<span lang="lv">Kaimiņu vakars</span> <small class="content-language-note">' in html


def test_the_admin_session_form_validates_title_translations(city):
    from events.admin import SessionAdminForm

    event = make_event(city)
    session = event.sessions.get()
    form = SessionAdminForm(
        instance=session,
        data={
            "title": "1. nodarbība", "translations": '{"lv": {"title": "x"}}',
            "starts_at": session.starts_at, "ends_at": session.ends_at, "room": "",
        },
    )
    assert not form.is_valid()
    assert "Latvian is the language of delivery" in form.errors["translations"][0]


def test_a_translated_description_is_rendered_once_when_saved_and_shown_in_its_language(client, city):
    event = make_event(
        city,
        description="**Kopā** vakarā.",
        translations={"en": {"title": "Neighbours' evening", "description": "Together in the **evening**."}},
    )
    assert event.description_html_translations == {"en": "<p>Together in the <strong>evening</strong>.</p>"}

    english = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    latvian = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="lv").content.decode()
    assert "Together in the <strong>evening</strong>." in english and "Kopā" not in english
    assert "<strong>Kopā</strong> vakarā." in latvian

    # Changing the translation renders it again; no page view parses Markdown.
    event_services.event_update(event=event, translations={"en": {"description": "Now *later*."}})
    event.refresh_from_db()
    assert event.description_html_translations == {"en": "<p>Now <em>later</em>.</p>"}
