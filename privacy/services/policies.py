"""Changing a city's retention policy and an event's audit hold."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import City, Event
from privacy.models import AuditHold, ConsentText, RetentionPolicy
from privacy.texts import wording


@transaction.atomic
def retention_policy_set(*, city: City, **values: int) -> RetentionPolicy:
    policy, _created = RetentionPolicy.objects.update_or_create(city=city, defaults=values)
    return policy


@transaction.atomic
def audit_hold_set(*, event: Event, until: date, reason: str, actor: User | None) -> AuditHold:
    hold, _created = AuditHold.objects.update_or_create(
        event=event, defaults={"until": until, "reason": reason.strip(), "set_by": actor}
    )
    return hold


def audit_hold_release(*, event: Event) -> None:
    AuditHold.objects.filter(event=event).delete()


class WordingError(Exception):
    """A user-fixable problem; ``str()`` is a translated message."""


@transaction.atomic
def consent_text_set(
    *, city: City, kind: str, version: str, text: str, translations: dict[str, str] | None = None
):
    """Give ``city`` its own wording of a consent or of the notice.

    A changed wording needs a new version: what people agreed to stays identifiable.
    """
    if kind not in dict(ConsentText.KIND_CHOICES):
        raise WordingError(_("Unknown text."))
    version, text = version.strip(), text.strip()
    if not version or not text:
        raise WordingError(_("Write the wording and its version."))
    languages = dict(settings.LANGUAGES)
    translations = {code: value.strip() for code, value in (translations or {}).items() if code in languages and value.strip()}
    current = ConsentText.objects.select_for_update().filter(city=city, kind=kind).first()
    shown = wording(kind, city, "en")
    changed = current is None or current.text != text or (current.text_translations or {}) != translations
    if changed and version == (current.version if current else shown.version):
        raise WordingError(_("The wording changed: give it a new version, so that earlier consents keep theirs."))
    row, _created = ConsentText.objects.update_or_create(
        city=city, kind=kind, defaults={"version": version, "text": text, "text_translations": translations}
    )
    city.__dict__.pop("_consent_texts", None)  # privacy.texts read the city's wordings once per object
    return row
