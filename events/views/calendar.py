"""Calendar files and feeds over HTTP: an event's .ics, public feeds and the private "My calendar".

Each view answers a conditional GET from a cheap fingerprint of the data (one
aggregate query) before it builds anything, so a calendar client polling every
hour costs two or three small queries, whatever the feed's size. The fingerprint
holds the counts, the sums of ids and the latest ``updated_at`` of what the feed
shows (for public feeds, of its events: a session's change touches its event), so
a new, changed, deleted or expired session changes the ETag.

Public feeds are bounded (90 days back, ``CALENDAR_FEED_HORIZON_DAYS`` ahead, at most
``CALENDAR_FEED_MAX_ITEMS`` sessions, the most recently changed kept) and the body
built for an ETag is kept in the cache, compressed, so a feed polled by a thousand
clients is built once per change, by whichever app server is asked first.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header, http_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_safe

from accounts.middleware import same_for_everyone
from accounts.models import User
from events import ical, permissions
from events.filters import EventFilterForm
from events.i18n import join_list
from events.models import City, Event, Registration, Session

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Past sessions stay in subscribed calendars for a while instead of vanishing the day after.
PUBLIC_PAST = timedelta(days=90)
PERSONAL_PAST = timedelta(days=365)
# Cancelled events and registrations stay as STATUS:CANCELLED so subscribed calendars remove them.
CANCELLED_KEPT = timedelta(days=30)
# How long we remember when a feed's content was first served (its Last-Modified).
SEEN_TTL = 60 * 60 * 24 * 60
PUBLIC_CACHE_CONTROL = "public, max-age=300"
# Fast to compress and still about a tenth of the size: calendar text repeats itself.
BODY_COMPRESSION = 6
PRIVATE_CACHE_CONTROL = "private, no-cache"

# The columns the builder reads; the rest (long descriptions of other fields, codes) stays in the database.
SESSION_FIELDS = (
    "id", "title", "translations", "starts_at", "ends_at", "room", "sequence", "created_at", "updated_at",
    "event__id", "event__title", "event__summary", "event__description", "event__kind", "event__area",
    "event__language", "event__translations",
    "event__venue_name", "event__venue_address", "event__latitude", "event__longitude", "event__online_url",
    "event__online_note", "event__status", "event__sequence", "event__updated_at",
    "event__city__id", "event__city__name", "event__city__timezone",
)


# --------------------------------------------------------------------------- HTTP plumbing


def _language(request: HttpRequest) -> str:
    """A feed link carries ?lang= because calendar clients send neither cookies nor Accept-Language."""
    lang = request.GET.get("lang", "")
    return lang if lang in dict(settings.LANGUAGES) else translation.get_language()


def _public_language(request: HttpRequest) -> str:
    """?lang=, else Accept-Language, else the site's: never the cookie or the user, which public feeds
    must not read (they do not vary on the cookie)."""
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        return lang
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _etag(*parts: object) -> str:
    digest = hashlib.sha256(repr((ical.FORMAT_VERSION, settings.SITE_URL, *parts)).encode()).hexdigest()
    return f'"{digest[:40]}"'


def _last_modified(etag: str, data_time: datetime | None) -> datetime:
    """When this exact content was first served, and never before the data's last change.

    Deleting a session changes no ``updated_at``; the first-served time still moves
    forward, so a client that only sends If-Modified-Since gets the new content.
    """
    now = timezone.now().replace(microsecond=0)
    seen = cache.get_or_set(f"calendars:seen:{etag}", now, timeout=SEEN_TTL)
    return max(t for t in (data_time, seen) if t is not None)


def _calendar_response(
    request: HttpRequest,
    *,
    etag: str,
    data_time: datetime | None,
    build: Callable[[], bytes],
    filename: str,
    attachment: bool,
    private: bool,
) -> HttpResponse:
    last_modified = _last_modified(etag, data_time)
    timestamp = int(last_modified.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = HttpResponse(build(), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL if private else PUBLIC_CACHE_CONTROL
    if private:
        # The URL is the secret: keep it out of search engines and other sites' logs.
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
    else:
        # The same for everyone: the language comes from the link or Accept-Language, never the cookie.
        patch_vary_headers(response, ("Accept-Language",))
    return response


def _data_time(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


# --------------------------------------------------------------------------- an event's .ics


@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """All sessions of one event, to download and open in any calendar."""
    event = get_object_or_404(Event.objects.select_related("city"), pk=pk)
    if not permissions.can_view_event(request.user, event):
        raise Http404
    sessions = list(Session.objects.filter(event=event).order_by("starts_at", "pk"))
    if not sessions:
        raise Http404
    for session in sessions:
        session.event = event
    language = _language(request)
    with translation.override(language):
        body = ical.event_file(sessions, site_url=settings.SITE_URL)
    data_time = _data_time(event.updated_at, *(s.updated_at for s in sessions))
    filename = f"{slugify(event.localized('title').text) or 'event'}-{event.pk}.ics"
    return _calendar_response(
        request,
        etag=_etag("event", hashlib.sha256(body).hexdigest()),
        data_time=data_time,
        build=lambda: body,
        filename=filename,
        attachment=True,
        private=event.status == Event.Status.DRAFT,
    )


# --------------------------------------------------------------------------- public feeds


def _public_events(now: datetime) -> QuerySet:
    """Published events, and cancelled ones while their cancellation is recent. Never drafts."""
    return Event.objects.in_public_feed(now, cancelled_kept=CANCELLED_KEPT)


def _feed_day(now: datetime) -> datetime:
    """The instant a public feed's window is measured from: the start of the UTC day.

    The window (90 days back, the horizon ahead, the 30 days a cancellation is kept)
    then moves once a day, so the fingerprint can leave time out and hold only data.
    """
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _public_feed(request: HttpRequest, *, events: QuerySet, day: datetime, key: tuple, name: str, zone: str,
                 filename: str):
    since, until = day - PUBLIC_PAST, day + timedelta(days=settings.CALENDAR_FEED_HORIZON_DAYS)
    limit = settings.CALENDAR_FEED_MAX_ITEMS
    language = _public_language(request)
    # The events, not their sessions: every session service touches its event's updated_at
    # (events.services.events._refresh_event_dates), and the events alone are one index's worth.
    fingerprint = events.in_feed_window(since, until).aggregate(
        n=Count("pk"), ids=Sum("pk"), seq=Sum("sequence"), changed=Max("updated_at")
    )
    cities = () if zone else tuple(City.objects.order_by("pk").values_list("pk", "name", "timezone"))
    etag = _etag(
        "public", key, language, day.year, day.date(), sorted(fingerprint.items()), cities, name, limit,
        settings.CALENDAR_FEED_HORIZON_DAYS,
    )

    def build() -> bytes:
        cache_key = f"calendars:body:{etag}"
        packed = cache.get(cache_key)
        if packed is not None:
            return zlib.decompress(packed)
        sessions = Session.objects.in_public_feed(events=events, since=since, until=until)
        rows = sessions.newest_changes_first().select_related("event__city").only(*SESSION_FIELDS)[:limit]
        with translation.override(language):
            entries = [ical.Entry(session) for session in rows]
            body = ical.feed_file(
                entries, name=name, site_url=settings.SITE_URL, zone=zone,
                description=_("Events of the European Pact for Integration"),
            )
        cache.set(cache_key, zlib.compress(body, BODY_COMPRESSION), timeout=settings.CALENDAR_FEED_CACHE_SECONDS)
        return body

    return _calendar_response(
        request,
        etag=etag,
        data_time=fingerprint["changed"],
        build=build,
        filename=filename,
        attachment=False,
        private=False,
    )


@same_for_everyone
@require_safe
def city_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """A city's programme as a subscribable calendar."""
    # Not the strategy's narrative and images: a polled feed reads only what it writes.
    city = get_object_or_404(City.objects.only("pk", "name", "slug", "timezone"), slug=slug)
    day = _feed_day(timezone.now())
    with translation.override(_public_language(request)):
        name = _("EPI Events: %(city)s") % {"city": city.name}
    return _public_feed(
        request,
        events=_public_events(day).filter(city=city),
        day=day,
        key=("city", city.pk, city.name, city.timezone),
        name=name,
        zone=city.timezone,
        filename=f"{city.slug}.ics",
    )


@same_for_everyone
@require_safe
def events_feed(request: HttpRequest) -> HttpResponse:
    """The list page's programme (``EventFilterForm``, same query string) as a calendar, bounded like
    every public feed: without filters, what /events/ lists, and the last 90 days."""
    day = _feed_day(timezone.now())
    params = request.GET.copy()
    if not params.get("date_from"):
        # The list page shows upcoming events; a calendar keeps recent ones too.
        params["date_from"] = (day - PUBLIC_PAST).date().isoformat()
    form = EventFilterForm(params)
    events = form.filter(_public_events(day))
    form.is_valid()  # an invalid filter is left out, as on the list page
    chosen = {k: v for k, v in form.cleaned_data.items() if v}
    city = chosen.get("city")
    # With a city chosen the feed names it and uses its zone: both are part of the content.
    key = (
        "events",
        sorted((k, str(getattr(v, "pk", v))) for k, v in chosen.items()),
        (city.name, city.timezone) if city else None,
    )
    with translation.override(_public_language(request)):
        name = _feed_name(form, chosen)
    return _public_feed(
        request,
        events=events,
        day=day,
        key=key,
        name=name,
        zone=city.timezone if city else "",
        filename=f"{city.slug if city else 'epi-events'}.ics",
    )


def _feed_name(form: EventFilterForm, chosen: dict) -> str:
    labels = []
    if chosen.get("city"):
        labels.append(chosen["city"].name)
    for field in ("kind", "area", "language"):
        if chosen.get(field):
            labels.append(str(dict(form.fields[field].choices).get(chosen[field], chosen[field])))
    if not labels:
        return _("EPI Events: programme")
    return _("EPI Events: %(filters)s") % {"filters": join_list(labels)}


# --------------------------------------------------------------------------- "My calendar"


def personal_registrations(user: User, *, include_waiting: bool, now: datetime) -> QuerySet:
    """The registrations a user's private feed shows, each as one or more calendar items.

    Active ones (confirmed; pending and waiting too when asked) of published events
    not long past; and, for a while, those that were cancelled or rejected, and those
    whose event was cancelled, so that a subscribed calendar learns of the change.
    """
    active = [Registration.Status.CONFIRMED]
    if include_waiting:
        active += [Registration.Status.WAITING, Registration.Status.PENDING]
    recently = now - CANCELLED_KEPT
    return (
        Registration.objects.filter(user=user)
        .exclude(event__status=Event.Status.DRAFT)
        .annotate(
            ended_when=Coalesce("cancelled_at", "decided_at", "updated_at"),
            event_cancelled_when=Coalesce("event__cancelled_at", "event__updated_at"),
        )
        .filter(
            Q(status__in=active, event__status=Event.Status.PUBLISHED, event__ends_at__gte=now - PERSONAL_PAST)
            | Q(status__in=active, event__status=Event.Status.CANCELLED, event_cancelled_when__gte=recently)
            | Q(
                status__in=[Registration.Status.CANCELLED, Registration.Status.REJECTED],
                ended_when__gte=recently,
            )
        )
    )


def _personal_entries(registrations: list[Registration], sessions: list[Session]) -> list[ical.Entry]:
    # One calendar item per session even when someone cancelled and registered again:
    # the live registration wins, else the latest one that ended.
    best: dict[int, Registration] = {}
    for registration in registrations:
        current = best.get(registration.event_id)
        if current is None or (registration.is_active, registration.updated_at, registration.pk) > (
            current.is_active, current.updated_at, current.pk
        ):
            best[registration.event_id] = registration
    entries = []
    for session in sessions:
        registration = best[session.event_id]
        if registration.status == Registration.Status.CONFIRMED:
            status, label = ical.CONFIRMED, ""
        elif registration.is_active:
            status, label = ical.TENTATIVE, registration.get_status_display()
        else:
            status, label = ical.CANCELLED, registration.get_status_display()
        entries.append(ical.Entry(session, status=status, label=label, changed_at=registration.updated_at))
    return entries


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The sessions a user is registered for, behind the secret token in the URL (no login)."""
    user = User.objects.filter(calendar_token=token, is_active=True).only(
        "pk", "calendar_token", "preferred_language", "full_name", "email"
    ).first()
    if user is None:
        raise Http404
    include_waiting = request.GET.get("waiting") in ("1", "true", "yes")
    now = timezone.now()
    registrations = personal_registrations(user, include_waiting=include_waiting, now=now)
    fingerprint = registrations.aggregate(
        n=Count("pk", distinct=True),
        ids=Sum("pk", distinct=True),
        changed=Max("updated_at"),
        event_changed=Max("event__updated_at"),
        event_seq=Sum("event__sequence"),
        sessions=Count("event__sessions"),
        session_ids=Sum("event__sessions__id"),
        session_seq=Sum("event__sessions__sequence"),
        session_changed=Max("event__sessions__updated_at"),
    )
    cities = tuple(City.objects.order_by("pk").values_list("pk", "name", "timezone"))
    language = user.preferred_language or settings.LANGUAGE_CODE

    def build() -> bytes:
        rows = list(registrations.only("pk", "status", "event_id", "updated_at"))
        sessions = list(
            Session.objects.filter(event_id__in={r.event_id for r in rows})
            .select_related("event__city")
            .only(*SESSION_FIELDS)
        )
        with translation.override(language):
            return ical.feed_file(
                _personal_entries(rows, sessions),
                name=_("EPI Events: my registrations"),
                site_url=settings.SITE_URL,
                description=_("The sessions you are registered for."),
            )

    return _calendar_response(
        request,
        etag=_etag("personal", user.pk, include_waiting, language, now.year, sorted(fingerprint.items()), cities),
        data_time=_data_time(fingerprint["changed"], fingerprint["event_changed"], fingerprint["session_changed"]),
        build=build,
        filename="my-epi-events.ics",
        attachment=False,
        private=True,
    )

