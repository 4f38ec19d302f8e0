"""Check-in QR codes and codes in readable groups, for templates."""

from django import template
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

from events.attendance_qr import session_qr_svg
from events.services.attendance import format_code

register = template.Library()


@register.simple_tag
def session_qr(session):
    return mark_safe(session_qr_svg(session))


@register.filter
def grouped_code(code: str) -> str:
    return format_code(code or "")


@register.filter
def code_groups(code: str) -> list[str]:
    """The code's groups of five, for a screen that may break the line between them."""
    return format_code(code or "").split()


@register.filter
def method_label(value: str) -> str:
    """How a presence was recorded, in the reader's language."""
    from events.models import Attendance

    return Attendance.Method(value).label if value in Attendance.Method.values else ""


@register.filter
def local_time(value, city) -> str:
    """The time of day in the city's zone with its abbreviation, e.g. '10:03 EET', and the
    date before it when that was not today there ('3 March 2026, 10:03 EET')."""
    if value is None:
        return ""
    local = timezone.localtime(value, city.tzinfo)
    when = "%s %s" % (formats.time_format(local, "TIME_FORMAT"), local.tzname())
    if local.date() != timezone.localtime(timezone.now(), city.tzinfo).date():
        return pgettext("date and time of day", "%(date)s, %(time)s") % {
            "date": formats.date_format(local, "DATE_FORMAT"),
            "time": when,
        }
    return when

