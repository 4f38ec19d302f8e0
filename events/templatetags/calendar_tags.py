"""Links that put events in people's calendars: subscriptions (webcal:// and https://)
and the "add to calendar" templates of Google Calendar and Outlook on the web.

The third-party links are only followed by the visitor; no page loads anything from them.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from events import ical

register = template.Library()

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
OUTLOOK_COMPOSE = {
    "outlook": "https://outlook.live.com/calendar/0/deeplink/compose",
    "office": "https://outlook.office.com/calendar/0/deeplink/compose",
}
# Calendar services cut long URLs; the event page holds the full description.
DETAILS_LIMIT = 600


def _absolute(request, path: str) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def _feed(request, path: str, query: dict[str, str] | list[tuple[str, str]]) -> dict[str, str]:
    url = _absolute(request, path)
    if query:
        url += "?" + urlencode(query)
    scheme, _sep, rest = url.partition("://")
    return {
        "https": url,
        "webcal": f"webcal://{rest}",
        "google": GOOGLE_SUBSCRIBE + "?" + urlencode({"cid": f"webcal://{rest}"}),
    }


@register.simple_tag(takes_context=True)
def city_calendar_feed(context, city) -> dict[str, str]:
    """Subscription URLs of a city's calendar, in the language of the page."""
    path = reverse("calendars:city_feed", kwargs={"slug": city.slug})
    return _feed(context.get("request"), path, {"lang": translation.get_language()})


@register.simple_tag(takes_context=True)
def list_calendar_feed(context) -> dict[str, str]:
    """Subscription URLs of the event list as filtered now: the same query string, without paging."""
    request = context.get("request")
    query = []
    if request is not None:
        query = [(k, v) for k, v in request.GET.items() if k not in ("page", "lang") and v]
    query.append(("lang", translation.get_language()))
    return _feed(request, reverse("calendars:events_feed"), query)


@register.simple_tag(takes_context=True)
def personal_calendar_feed(context, user, waiting: bool = False) -> dict[str, str]:
    """The private feed's URLs: whoever holds them sees the user's registrations."""
    path = reverse("calendars:personal_feed", kwargs={"token": user.calendar_token})
    return _feed(context.get("request"), path, {"waiting": "1"} if waiting else {})


def _details(event, *, short: bool = False, path: str = "") -> str:
    url = settings.SITE_URL + (path or event.get_absolute_url())
    if short:
        return url
    text = event.localized("summary").text or event.localized("description").text
    if len(text) > DETAILS_LIMIT:
        text = text[: DETAILS_LIMIT - 1].rstrip() + "…"
    return f"{text}\n\n{url}" if text else url


@register.simple_tag
def add_to_calendar_links(session, short: bool = False, event_path: str = "") -> dict[str, str]:
    """Google Calendar and Outlook.com / Office 365 "new event" links for one session, times in UTC.

    ``short``: the description is only the event page's address, for lists with a card per event
    ("My registrations"), where the texts would make the page many times longer. ``event_path``:
    that page's path when the caller has it already.
    """
    event = session.event
    start, end = session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
    title = ical.session_title(session)
    details = _details(event, short=short, path=event_path)
    location = ical.location_text(event, session.room)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": location,
        "ctz": event.city.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": location,
    }
    links = {"google": GOOGLE_TEMPLATE + "?" + urlencode({k: v for k, v in google.items() if v})}
    outlook_query = urlencode({k: v for k, v in outlook.items() if v})
    for name, base in OUTLOOK_COMPOSE.items():
        links[name] = base + "?" + outlook_query
    return links


def card_calendar_links(event, sessions, *, event_path: str, ics_path: str) -> dict:
    """What a card in a list offers to put ``event`` in a calendar, cheaply: its .ics file
    (``ics_path``), and for a one-session event the Google / Outlook links (short); an event of
    several sessions sends people to its page for those, one session at a time.

    ``sessions``: the event's sessions, in order, each with its ``event`` set (no query here)."""
    links = {
        "ics": ics_path,
        "count": len(sessions),
        "ics_label": ngettext(
            "Download for your calendar (.ics)", "Download all %(counter)s sessions (.ics)", len(sessions)
        ) % {"counter": len(sessions)},
    }
    if len(sessions) == 1:
        links.update(add_to_calendar_links(sessions[0], short=True, event_path=event_path))
    return links
