"""/jsi18n/<lang>.js: Django's JavaScript catalogue for the scripts, in the language of its URL."""

import json

import pytest
from django.urls import reverse

from tests.i18n.catalogues import use_catalogues, write_catalogue


def _js(text: str) -> str:
    """How the catalogue writes a string (JSON, non-ASCII escaped)."""
    return json.dumps(text)[1:-1]


@pytest.fixture
def polish_scripts(settings, tmp_path):
    write_catalogue(
        tmp_path,
        "pl",
        "djangojs",
        {
            "Not sent": "Nie wysłano",
            ("%(present)s present of %(total)s", "%(present)s present of %(total)s"): [
                "%(present)s obecny z %(total)s",
                "%(present)s obecnych z %(total)s",
                "%(present)s obecnych z %(total)s",
            ],
        },
    )
    use_catalogues(settings, tmp_path)


@pytest.mark.django_db
def test_the_catalogue_answers_with_the_languages_strings_and_plural_rule(client, polish_scripts):
    response = client.get(reverse("javascript_catalog", args=["pl"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert _js("Nie wysłano") in body
    assert _js("%(present)s obecnych z %(total)s") in body
    # Polish has three plural forms; the catalogue carries the rule that picks them.
    assert "n%10>=2" in body.replace(" ", "")
    # Only the project's strings: not the admin's calendar widgets.
    assert "Choose a Time" not in body
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_language_comes_from_the_url_not_the_visitors_cookie(client, polish_scripts, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    english = client.get(reverse("javascript_catalog", args=["en"])).content.decode()
    assert _js("Nie wysłano") not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _js("Nie wysłano") in client.get(reverse("javascript_catalog", args=["pl"])).content.decode()


@pytest.mark.django_db
def test_an_unknown_language_is_not_found(client):
    assert client.get("/jsi18n/xx.js").status_code == 404


@pytest.mark.django_db
def test_pages_with_scripts_load_the_catalogue_of_their_language_first(client, settings):
    from tests.factories import EventFactory, UserFactory

    event = EventFactory()
    session = event.sessions.first()
    trainer = UserFactory(preferred_language="ar")
    event.trainers.add(trainer)
    client.force_login(trainer)
    html = client.get(reverse("attendance:checkin", args=[session.pk])).content.decode()
    catalogue = html.index('src="/jsi18n/ar.js"')
    assert catalogue < html.index("checkin-scanner.js")
    # The texts are no longer carried in data attributes: the script asks the catalogue.
    assert "data-text-" not in html
