"""schema.org ``Event`` JSON-LD for event pages: a pure builder, objects in, a dict out."""

from __future__ import annotations

import json

from django.conf import settings

from api import seats

_STATUS = {
    "published": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
}
_AVAILABILITY = {
    seats.AVAILABLE: "https://schema.org/InStock",
    seats.FEW_LEFT: "https://schema.org/LimitedAvailability",
    seats.WAITING_LIST: "https://schema.org/SoldOut",
    seats.FULL: "https://schema.org/SoldOut",
}


def event_jsonld(event, sessions, *, title: str, summary: str) -> dict:
    """``event`` from ``for_listing()``; ``sessions`` its sessions. Never the meeting link."""
    url = settings.SITE_URL + event.get_absolute_url()
    place: dict
    if event.venue_address or event.venue_name:
        place = {
            "@type": "Place",
            "name": event.venue_name or event.city.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": event.venue_address,
                "addressLocality": event.city.name,
                "addressCountry": event.city.country,
            },
        }
        if event.latitude is not None and event.longitude is not None:
            place["geo"] = {"@type": "GeoCoordinates", "latitude": float(event.latitude), "longitude": float(event.longitude)}
        mode = "https://schema.org/OfflineEventAttendanceMode"
    else:
        place = {"@type": "VirtualLocation", "url": url}
        mode = "https://schema.org/OnlineEventAttendanceMode"
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title,
        "description": summary,
        "url": url,
        "inLanguage": event.language,
        "eventStatus": _STATUS.get(event.status, "https://schema.org/EventScheduled"),
        "eventAttendanceMode": mode,
        "location": place,
        "organizer": {"@type": "Organization", "name": event.city.name, "url": settings.SITE_URL + event.city.get_absolute_url()},
        "isAccessibleForFree": True,
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": "0",
            "priceCurrency": "EUR",
            "availability": _AVAILABILITY[seats.seat_bucket(event)],
        },
    }
    if event.starts_at:
        data["startDate"] = event.starts_at.isoformat()
    if event.ends_at:
        data["endDate"] = event.ends_at.isoformat()
    sessions = list(sessions)
    if len(sessions) > 1:
        data["subEvent"] = [
            {"@type": "Event", "name": s.title or title, "startDate": s.starts_at.isoformat(), "endDate": s.ends_at.isoformat()}
            for s in sessions
        ]
    return data


def dumps_for_html(data: dict) -> str:
    """JSON safe inside <script type="application/ld+json">: no "</script>" can end it early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
