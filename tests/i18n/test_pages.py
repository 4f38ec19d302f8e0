"""Every page in every site language: lang and dir, the switcher, navigation that is translated
wherever the catalogue has a translation, a city's own language offered, formats per locale."""

import os
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.factories import CityFactory, EventFactory, UserFactory
from tests.i18n.catalogues import use_catalogues, write_catalogue

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
RTL = {"ar"}
# Every navigation string must be translated (I18N_STRICT=0 relaxes it while a catalogue is in progress).
STRICT = os.environ.get("I18N_STRICT", "1") == "1"
# The product's name may stay as it is (the Arabic catalogue writes it out; Latin scripts keep it).
SAME_IN_EVERY_LANGUAGE = {"EPI Events"}


_VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


class _Header(HTMLParser):
    """The texts a visitor reads in the site header (navigation and language switcher)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.texts: list[str] = []
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.attrs = attrs
        if tag == "header" and "site-header" in (attrs.get("class") or ""):
            self.depth = 1
        elif self.depth and tag not in _VOID:
            self.depth += 1
            if tag == "option" or (tag == "span" and "brand-mark" in (attrs.get("class") or "")):
                self.skip += 1  # language names are in their own language; "EPI" is a logo

    def handle_endtag(self, tag):
        if self.depth and tag not in _VOID:
            self.depth -= 1
            if tag in ("option", "span") and self.skip:
                self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip and data.strip():
            self.texts.append(data.strip())


def _header(html: str) -> _Header:
    parser = _Header()
    parser.feed(html)
    return parser


def _source_msgids() -> set[str]:
    """Every string marked for translation, as `make messages` last extracted them (the English
    catalogue maps each to itself)."""
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    return {entry.msgid for entry in polib.pofile(str(po)) if not entry.msgctxt}


def _visit(client, lang, path, **headers):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client.get(path, headers=headers)


@pytest.fixture
def signed_in_staff_organizer(client, city):
    from events.models import CityMembership

    user = UserFactory(is_staff=True)
    CityMembership.objects.create(city=city, user=user, role="organizer")
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGE_CODES)
def test_pages_carry_the_languages_code_and_direction_and_the_switcher(client, lang, city):
    event = EventFactory(city=city)
    direction = "rtl" if lang in RTL else "ltr"
    for path, status in [
        ("/", 200),
        (reverse("events:event_list"), 200),
        (event.get_absolute_url(), 200),
        (city.get_absolute_url(), 200),
        (reverse("account_login"), 200),
        (reverse("account_signup"), 200),
        ("/no-such-page/", 404),
    ]:
        response = _visit(client, lang, path)
        assert response.status_code == status, path
        html = response.content.decode()
        assert f'<html lang="{lang}" dir="{direction}">' in html, path
        # The switcher on every page, each language named in itself.
        assert 'id="language-select"' in html, path
        for code in LANGUAGE_CODES:
            info = translation.get_language_info(code)
            assert f'lang="{code}"' in html
            assert ">%s</option>" % (info["name_local"][0].upper() + info["name_local"][1:]) in html


@pytest.mark.django_db
def test_the_page_answering_500_has_lang_and_dir_too(rf):
    from django.views.defaults import server_error

    with translation.override("ar"):
        html = server_error(rf.get("/")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGE_CODES)
def test_main_navigation_has_no_english_leftover(client, lang, signed_in_staff_organizer):
    """Every header text is a marked string; where the language's catalogue translates it, the
    page shows the translation. With I18N_STRICT=1 every one must be translated."""
    user = signed_in_staff_organizer
    client.force_login(user)
    # The English header (the widest one: organizer, admin, signed in) gives the msgids.
    english = _header(client.get("/").content.decode()).texts
    assert len(english) >= 8, english  # Events, Cities, My registrations, …, Language, Change
    unmarked = [text for text in english if text not in _source_msgids()]
    assert not unmarked, unmarked

    user.preferred_language = lang
    user.save(update_fields=["preferred_language"])
    page = _header(client.get("/").content.decode())
    assert page.attrs["lang"] == lang
    with translation.override(lang):
        translated = {msgid: translation.gettext(msgid) for msgid in english}
    for msgid, text in translated.items():
        if text != msgid:
            assert text in page.texts, (lang, msgid)
            assert msgid not in page.texts, (lang, msgid)
    if STRICT and lang != "en":
        leftovers = [
            msgid for msgid, text in translated.items() if text == msgid and msgid not in SAME_IN_EVERY_LANGUAGE
        ]
        assert not leftovers, (lang, leftovers)


@pytest.mark.django_db
def test_navigation_text_comes_from_the_catalogue(client, settings, tmp_path):
    """The same check with a catalogue that does translate: the header shows it, no English."""
    write_catalogue(tmp_path, "uk", "django", {"Events": "Події", "Cities": "Міста", "Log in": "Увійти"})
    use_catalogues(settings, tmp_path)
    shown = _header(_visit(client, "uk", "/").content.decode()).texts
    assert {"Події", "Міста", "Увійти"} <= set(shown)
    assert not {"Events", "Cities", "Log in"} & set(shown)


# A city's own language ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_city_page_offers_the_citys_language_in_that_language(client, city):
    html = _visit(client, "en", city.get_absolute_url()).content.decode()
    assert 'class="language-suggestion"' in html
    assert 'lang="lv" dir="ltr"' in html
    assert 'name="language" value="lv"' in html
    assert "Latviešu" in html  # the language's own name


@pytest.mark.django_db
def test_the_suggestion_switches_with_one_click_and_then_disappears(client, city):
    _visit(client, "en", city.get_absolute_url())
    response = client.post(reverse("accounts:set_language"), {"language": "lv", "next": city.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == city.get_absolute_url()
    html = client.get(city.get_absolute_url()).content.decode()
    assert '<html lang="lv" dir="ltr">' in html
    assert 'class="language-suggestion"' not in html


@pytest.mark.django_db
def test_an_arabic_city_suggestion_is_right_to_left(client):
    city = CityFactory(slug="dietzenbach-ar", default_language="ar")
    html = _visit(client, "de", city.get_absolute_url()).content.decode()
    assert 'lang="ar" dir="rtl"' in html


# Formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "2. Dezember 2026, 18:00"),
        ("pl", "2 grudnia 2026 18:00"),
        ("en", "2 December 2026, 18:00"),
        ("ar", "2 ديسمبر 2026، 18:00"),  # Western digits, 24-hour clock (docs/i18n.md)
        ("uk", "2 грудня 2026 р., 18:00"),
    ],
)
def test_dates_and_times_are_written_as_the_language_writes_them(lang, expected):
    instant = datetime(2026, 12, 2, 17, 0, tzinfo=ZoneInfo("UTC"))
    city = CityFactory.build(timezone="Europe/Berlin")
    template = Template("{% load events_tags %}{% local_datetime value city %}")
    with translation.override(lang):
        text = template.render(Context({"value": instant, "city": city}))
    assert text.startswith(expected)


@pytest.mark.parametrize(("lang", "expected"), [("de", "1.234,5"), ("ar", "1234,5"), ("en", "1,234.5")])
def test_numbers_use_the_languages_separators(lang, expected):
    with translation.override(lang):
        assert Template("{% load humanize %}{{ n|intcomma }}").render(Context({"n": 1234.5})) == expected
