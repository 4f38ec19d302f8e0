"""Presentation helpers: times in the city's zone with its name.

Markdown is not rendered here: ``events.markup`` renders it once when a text is saved, and
templates show the stored, sanitised ``description_html`` / ``narrative_html``.
"""

from django import template
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from events.content import LocalizedText, ShownText

register = template.Library()


def _local(value, tz):
    return timezone.localtime(value, tz)


@register.simple_tag
def session_when(session, city):
    """'Tue 3 March 2026, 10:00–12:30 EET (Europe/Riga)' in the reader's locale."""
    tz = city.tzinfo
    start, end = _local(session.starts_at, tz), _local(session.ends_at, tz)
    day = formats.date_format(start, "DATE_FORMAT")
    weekday = formats.date_format(start, "l")
    start_time = formats.time_format(start, "TIME_FORMAT")
    if start.date() == end.date():
        end_part = formats.time_format(end, "TIME_FORMAT")
    else:
        end_part = formats.date_format(end, "DATE_FORMAT") + " " + formats.time_format(end, "TIME_FORMAT")
    return _("%(weekday)s %(day)s, %(start)s–%(end)s %(abbr)s (%(zone)s)") % {
        "weekday": weekday,
        "day": day,
        "start": start_time,
        "end": end_part,
        "abbr": start.tzname(),
        "zone": city.timezone,
    }


@register.simple_tag
def event_dates(event):
    """The event's date span in its city's zone, e.g. '3 March 2026' or '3 March – 7 April 2026'."""
    if not event.starts_at:
        return _("Dates to be announced")
    tz = event.city.tzinfo
    start, end = _local(event.starts_at, tz), _local(event.ends_at, tz)
    if start.date() == end.date():
        return formats.date_format(start, "DATE_FORMAT")
    return _("%(start)s – %(end)s") % {
        "start": formats.date_format(start, "DATE_FORMAT"),
        "end": formats.date_format(end, "DATE_FORMAT"),
    }


@register.simple_tag
def local_datetime(value, city):
    """A single instant in the city's zone with the zone's name."""
    if value is None:
        return ""
    local = _local(value, city.tzinfo)
    return "%s %s (%s)" % (formats.date_format(local, "DATETIME_FORMAT"), local.tzname(), city.timezone)


@register.simple_tag(takes_context=True)
def query_transform(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter(is_safe=True)
def bdi(value) -> str:
    """Isolate text of unknown direction (a Latin title inside Arabic, an Arabic name inside
    English, an email address) so it cannot reorder the sentence around it. HTML only."""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def side_start() -> str:
    """ "left", or "right" in a right-to-left language: for inline styles in emails, whose
    clients ignore logical properties (inline-start / inline-end). Web pages use logical CSS."""
    return "right" if translation.get_language_bidi() else "left"


@register.simple_tag
def side_end() -> str:
    return "left" if translation.get_language_bidi() else "right"


# Content in several languages ----------------------------------------------------------------------


def _localized(obj, field: str) -> LocalizedText:
    if field == "label":
        return obj.localized_label()
    return obj.localized(field)


@register.filter
def description_html(event, language: str):
    """``{{ event|description_html:description.language }}``: the description's stored, sanitised HTML."""
    return mark_safe(event.description_html_in(language))  # noqa: S308 - sanitised by events.markup when saved


@register.filter
def localized(obj, field: str) -> str:
    """``{{ event|localized:"title" }}``: the plain text in the best language (for titles, subjects, .txt)."""
    if obj is None:
        return ""
    return _localized(obj, field).text


@register.simple_tag
def localized_text(obj, field: str) -> ShownText:
    """``{% localized_text event "summary" as summary %}<p{{ summary.attrs }}>{{ summary }}</p>{{ summary.note }}``"""
    return ShownText(_localized(obj, field))


@register.simple_tag
def localized_html(obj, field: str, note: bool = True):
    """``{% localized_html event "title" %}``: inline text, in ``<span lang>`` when in another language."""
    return ShownText(_localized(obj, field)).html(note=note)
