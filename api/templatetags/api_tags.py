from django import template
from django.utils.safestring import mark_safe

from api import i18n, jsonld

register = template.Library()


@register.simple_tag
def event_jsonld(event, sessions):
    """The event page's schema.org data, in the page's language (texts through the pages' fallback)."""
    from django.utils.translation import get_language

    language = get_language() or event.language
    title, _lang = i18n.localized(event, "title", language, event.language)
    summary, _lang = i18n.localized(event, "summary", language, event.language)
    return mark_safe(jsonld.dumps_for_html(jsonld.event_jsonld(event, sessions, title=title, summary=summary)))
