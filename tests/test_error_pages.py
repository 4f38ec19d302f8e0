"""Error pages look like the site and speak the visitor's language."""

import pytest
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
