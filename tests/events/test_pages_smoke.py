import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_lists_upcoming_published_event(client, event):
    response = client.get(reverse("events:home"))
    assert response.status_code == 200
    assert event.title in response.content.decode()
