from django import template

from evidence.views import chart_url

register = template.Library()


@register.simple_tag
def chart_src(name: str, query: str) -> str:
    return chart_url(name, query)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")
