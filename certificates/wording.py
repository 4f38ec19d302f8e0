"""Sentences shared by the certificate's PDF and its digital credential (no WeasyPrint here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, pgettext_lazy

if TYPE_CHECKING:
    from certificates.models import Certificate


# One sentence per kind of event, so that languages can make the words agree with the kind
# (Spanish: "Formación …, organizada por", "Taller …, organizado por").
_KIND_SENTENCES = {
    "launch": pgettext_lazy(
        "certificate, kind of event", "Launch event organised by %(city)s within the European Pact for Integration"
    ),
    "training": pgettext_lazy(
        "certificate, kind of event",
        "Intercultural-competence training organised by %(city)s within the European Pact for Integration",
    ),
    "workshop": pgettext_lazy(
        "certificate, kind of event",
        "Workshop / round table organised by %(city)s within the European Pact for Integration",
    ),
    "coordination": pgettext_lazy(
        "certificate, kind of event",
        "Coordination-body meeting organised by %(city)s within the European Pact for Integration",
    ),
    "pilot": pgettext_lazy(
        "certificate, kind of event", "Pilot action organised by %(city)s within the European Pact for Integration"
    ),
}


def kind_sentence(certificate: Certificate) -> str:
    """"Intercultural-competence training organised by Riga within the …", in the current language."""
    sentence = _KIND_SENTENCES.get(certificate.event.kind if certificate.event_id else "")
    if sentence is None:  # a kind added later and not yet given its own sentence
        return gettext("%(kind)s, organised by %(city)s within the European Pact for Integration") % {
            "kind": certificate.event_kind,
            "city": certificate.city_name,
        }
    return str(sentence) % {"city": certificate.city_name}
