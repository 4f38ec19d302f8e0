from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("surveys/_walk_in_qr.html")
def walk_in_qr(session):
    """On the room screen while the event's survey is open: a QR code giving each visitor a one-use link."""
    from events.attendance_qr import _svg
    from surveys.models import Survey

    survey = Survey.objects.filter(event_id=session.event_id).first()
    if survey is None or not survey.is_open:
        return {"url": ""}
    url = settings.SITE_URL + reverse("surveys:walk_in", kwargs={"session_pk": session.pk})
    return {"url": url, "svg": mark_safe(_svg(url, title=_("Feedback survey"), css_class="qr qr-room"))}
