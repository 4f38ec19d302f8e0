"""Every catalogue of every site language is complete: nothing untranslated, nothing fuzzy, and
msgfmt accepts it (placeholders and plural forms checked)."""

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = [
    (code, domain)
    for code, _name in settings.LANGUAGES
    for domain in ("django", "djangojs")
]
# Plural forms per language, as CLDR and gettext count them.
NPLURALS = {"en": 2, "es": 2, "de": 2, "sv": 2, "it": 2, "ro": 3, "lv": 3, "pl": 4, "uk": 4, "ar": 6}


def _incomplete(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(entry.msgstr_plural.values())
    return not entry.msgstr


@pytest.mark.parametrize(("code", "domain"), CATALOGUES, ids=[f"{c}-{d}" for c, d in CATALOGUES])
def test_the_catalogue_is_complete(code, domain):
    path = LOCALE / code / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing"
    catalogue = polib.pofile(str(path))
    live = [entry for entry in catalogue if not entry.obsolete]

    assert live, "an empty catalogue"
    assert [e.msgid for e in live if _incomplete(e)] == []
    assert [e.msgid for e in live if "fuzzy" in e.flags] == []
    assert catalogue.metadata.get("Language") == code
    declared = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))
    assert declared == NPLURALS[code]
    assert all(len(e.msgstr_plural) == declared for e in live if e.msgid_plural)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize(("code", "domain"), CATALOGUES, ids=[f"{c}-{d}" for c, d in CATALOGUES])
def test_msgfmt_accepts_the_catalogue(code, domain, tmp_path):
    path = LOCALE / code / "LC_MESSAGES" / f"{domain}.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file", str(tmp_path / "out.mo"), str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_domain_speaks_the_same_languages():
    """A language is on the site only when both catalogues exist: the pages' and the scripts'."""
    for code, _name in settings.LANGUAGES:
        for domain in ("django", "djangojs"):
            assert (LOCALE / code / "LC_MESSAGES" / f"{domain}.po").exists(), (code, domain)
