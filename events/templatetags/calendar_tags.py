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


def _details(event) -> str:
    url = settings.SITE_URL + event.get_absolute_url()
    text = event.localized("summary").text or event.localized("description").text
    if len(text) > DETAILS_LIMIT:
        text = text[: DETAILS_LIMIT - 1].rstrip() + "…"
    return f"{text}\n\n{url}" if text else url


@register.simple_tag
def add_to_calendar_links(session) -> dict[str, str]:
    """Google Calendar and Outlook.com / Office 365 "new event" links for one session, times in UTC."""
    event = session.event
    start, end = session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": ical.session_title(session),
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": _details(event),
        "location": ical.location_text(event, session.room),
        "ctz": event.city.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": ical.session_title(session),
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": _details(event),
        "location": ical.location_text(event, session.room),
    }
    links = {"google": GOOGLE_TEMPLATE + "?" + urlencode({k: v for k, v in google.items() if v})}
    for name, base in OUTLOOK_COMPOSE.items():
        links[name] = base + "?" + urlencode({k: v for k, v in outlook.items() if v})
    return links
