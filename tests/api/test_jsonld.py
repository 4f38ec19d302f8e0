"""Event pages carry schema.org Event data for search engines and city websites."""

import json
import re

import pytest

from events.models import Event
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _jsonld(client, event):
    page = client.get(event.get_absolute_url()).content.decode()
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(text) for text in found]


def test_event_page_has_schema_org_event(client, city):
    event = EventFactory(city=city, title="Open <b>day</b> </script>", sessions=2, online_url="https://meet.example/x")
    (data,) = _jsonld(client, event)
    assert data["@type"] == "Event"
    assert data["name"] == "Open <b>day</b> </script>"
    assert data["location"]["address"]["addressLocality"] == "Riga"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert len(data["subEvent"]) == 2
    assert "meet.example" not in json.dumps(data)


def test_cancelled_event_says_so_and_drafts_have_none(client, city, organizer):
    cancelled = EventFactory(city=city, status=Event.Status.CANCELLED)
    assert _jsonld(client, cancelled)[0]["eventStatus"] == "https://schema.org/EventCancelled"
    draft = EventFactory(city=city, status=Event.Status.DRAFT)
    client.force_login(organizer)
    assert _jsonld(client, draft) == []
