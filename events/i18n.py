"""Small language helpers shared by the apps."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_list(items: Iterable) -> str:
    """Items of a list as the language writes them: "a, b, c" in English, "a، b، c" in Arabic."""
    return pgettext("separator between the items of a list; keep the space if the language uses one", ", ").join(
        str(item) for item in items
    )
