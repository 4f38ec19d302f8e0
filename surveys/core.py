"""The core set every survey starts with, the same in every city so cities can be compared.

Its labels and options come from the translation catalogues (not from the organizer), so a
core answer means the same thing in every language.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SATISFACTION = "satisfaction"
USEFUL = "useful"
MET_DIFFERENT = "met_different"
COMMENT = "comment"

CORE = [
    {"key": SATISFACTION, "kind": "scale5", "label": _("Overall, how satisfied are you with this event? (1 = not at all, 5 = very)")},
    {
        "key": USEFUL, "kind": "single", "label": _("Was it useful for your work or your life here?"),
        "options": [
            ("yes", pgettext_lazy("survey answer", "Yes")),
            ("partly", pgettext_lazy("survey answer", "Partly")),
            ("no", pgettext_lazy("survey answer", "No")),
        ],
    },
    {"key": MET_DIFFERENT, "kind": "yes_no", "label": _("Did you meet people of a different background?")},
    {"key": COMMENT, "kind": "text", "label": _("Anything you would like to tell the organizers?")},
]
_BY_KEY = {item["key"]: item for item in CORE}


def core_label(key: str, language: str) -> str | None:
    item = _BY_KEY.get(key)
    if item is None:
        return None
    with translation.override(language):
        return str(item["label"])


def core_options(key: str, language: str) -> list[tuple[str, str]]:
    item = _BY_KEY.get(key)
    if item is None:
        return []
    with translation.override(language):
        return [(value, str(label)) for value, label in item.get("options", [])]
