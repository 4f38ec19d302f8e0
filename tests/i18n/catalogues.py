"""Test catalogues: a few translations compiled into a temporary locale directory, so a test can
prove that text comes from a language's catalogue before the translators have filled it."""

import subprocess
from pathlib import Path

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: {lang}\\n"
"Plural-Forms: {plural}\\n"

"""

# The languages' own plural rules (as the project's catalogues declare them).
PLURAL_FORMS = {
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}


def _quote(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_catalogue(root: Path, lang: str, domain: str, entries: dict) -> Path:
    """entries: msgid → msgstr, (context, msgid) → msgstr, or (msgid, msgid_plural) → [forms]."""
    lines = [HEADER.format(lang=lang, plural=PLURAL_FORMS.get(lang, "nplurals=2; plural=(n != 1);"))]
    for key, value in entries.items():
        if isinstance(value, list):
            singular, plural = key
            lines.append("msgid %s\nmsgid_plural %s\n" % (_quote(singular), _quote(plural)))
            lines.extend("msgstr[%d] %s\n" % (i, _quote(form)) for i, form in enumerate(value))
        elif isinstance(key, tuple):
            context, msgid = key
            lines.append("msgctxt %s\nmsgid %s\nmsgstr %s\n" % (_quote(context), _quote(msgid), _quote(value)))
        else:
            lines.append("msgid %s\nmsgstr %s\n" % (_quote(key), _quote(value)))
        lines.append("\n")
    directory = root / lang / "LC_MESSAGES"
    directory.mkdir(parents=True, exist_ok=True)
    po = directory / f"{domain}.po"
    po.write_text("".join(lines), encoding="utf-8")
    subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    return root


def use_catalogues(settings, root: Path) -> None:
    """Put ``root`` first in LOCALE_PATHS; Django drops its loaded translations on the change."""
    settings.LOCALE_PATHS = [root, *settings.LOCALE_PATHS]
