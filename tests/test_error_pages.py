"""Error pages look like the site and speak the visitor's language."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_an_unknown_page_answers_404_in_the_site_layout_and_the_visitors_language(client):
    response = client.get("/no-such-page/", headers={"accept-language": "sv"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Sidan hittades inte</h1>" in html
    assert 'class="site-header"' in html


@pytest.mark.django_db
def test_a_refused_page_answers_403_in_the_site_layout(client, participant):
    client.force_login(participant)
    response = client.get(reverse("events:manage_dashboard"))
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_form_explains_that_nothing_was_saved(participant, event):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(participant)
    response = browser.post(reverse("registrations:register", args=[event.pk]), {"consent": "on"})
    assert response.status_code == 403
    assert "nothing was saved" in response.content.decode()


def test_the_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("connection already closed")],
)
def test_a_registration_whose_database_connection_dropped_answers_503_please_try_again(
    participant, event, monkeypatch, error
):
    def dropped(**kwargs):
        raise error

    monkeypatch.setattr("events.views.registration.registration_create", dropped)
    browser = Client(raise_request_exception=False)
    browser.force_login(participant)
    response = browser.post(
        reverse("registrations:register", args=[event.pk]), {"consent": "on"}, headers={"accept-language": "sv"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "<h1>Please try again</h1>" in html
    assert 'lang="en"' in html  # the participant's profile language, not the browser's


@pytest.mark.django_db
def test_any_other_server_error_still_answers_the_500_page(participant, event, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("events.views.registration.registration_create", broken)
    browser = Client(raise_request_exception=False)
    browser.force_login(participant)
    response = browser.post(reverse("registrations:register", args=[event.pk]), {"consent": "on"})
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


def test_the_503_page_renders_without_a_request():
    from django.template.loader import render_to_string

    assert "<h1>Please try again</h1>" in render_to_string("503.html")


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_connection_killed_mid_registration_answers_503_and_the_retry_succeeds(participant, event, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("kills a PostgreSQL backend")
    import psycopg

    from events.models import Registration
    from events.services import registrations

    real_create = registrations.registration_create

    def killed_then_create(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real_create(**kwargs)

    monkeypatch.setattr("events.views.registration.registration_create", killed_then_create)
    browser = Client(raise_request_exception=False)
    browser.force_login(participant)
    url = reverse("registrations:register", args=[event.pk])
    response = browser.post(url, {"consent": "on"})
    connection.close()  # the test client keeps the dead connection; a server's next request would not
    assert response.status_code == 503
    assert "<h1>Please try again</h1>" in response.content.decode()
    assert not Registration.objects.filter(event=event, user=participant).exists()

    monkeypatch.setattr("events.views.registration.registration_create", real_create)
    response = browser.post(url, {"consent": "on"})
    assert response.status_code == 302
    assert Registration.objects.filter(event=event, user=participant).count() == 1
