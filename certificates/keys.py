"""The site's credential signing keys, kept as files in ``settings.CREDENTIAL_KEYS_DIR``.

One key signs at a time (the *active* one); retired keys stay in the folder so the
certificates they signed keep verifying and the JWKS keeps publishing them. The folder
lives outside MEDIA_ROOT and is never served: each private key is one JSON Web Key
file (mode 0600, folder 0700) named by its RFC 7638 thumbprint, and the file ``active``
names the key that signs. Nothing here logs or prints a private key.

This is the only module that reads or writes key files; ``certificates.credentials``
receives keys as objects.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
CURVE = "P-256"
ACTIVE_FILE = "active"


@dataclass(frozen=True)
class SigningKey:
    """A key with its short id (thumbprint) and when it was made."""

    key_id: str
    key: ECKey
    created: str

    def __repr__(self) -> str:  # never the private part, even in tracebacks
        return "SigningKey(%r)" % self.key_id


class NoSigningKey(RuntimeError):
    """No active key: certificates are issued as PDFs without a credential."""


def keys_dir() -> Path | None:
    value = getattr(settings, "CREDENTIAL_KEYS_DIR", None)
    return Path(value) if value else None


def _load(path: Path) -> SigningKey:
    data = json.loads(path.read_text())
    created = data.pop("created", "")
    key = ECKey.import_key(data)
    return SigningKey(key_id=path.stem, key=key, created=created)


def all_keys() -> list[SigningKey]:
    """Every key in the folder, active or retired, oldest first."""
    folder = keys_dir()
    if not folder or not folder.is_dir():
        return []
    keys = [_load(p) for p in sorted(folder.glob("*.json"))]
    return sorted(keys, key=lambda k: (k.created, k.key_id))


def active_key() -> SigningKey:
    folder = keys_dir()
    if not folder:
        raise NoSigningKey("CREDENTIAL_KEYS_DIR is not set")
    try:
        key_id = (folder / ACTIVE_FILE).read_text().strip()
        return _load(folder / f"{key_id}.json")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NoSigningKey("no active key in CREDENTIAL_KEYS_DIR") from exc


def has_active_key() -> bool:
    try:
        active_key()
    except NoSigningKey:
        return False
    return True


def generate_key(*, activate: bool = True) -> SigningKey:
    """Make a new P-256 key, store it, and (by default) make it the one that signs."""
    folder = keys_dir()
    if not folder:
        raise NoSigningKey("CREDENTIAL_KEYS_DIR is not set")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = ECKey.generate_key(CURVE, private=True)
    key_id = key.thumbprint()
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = folder / f"{key_id}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({**key.as_dict(private=True), "created": created}, fh)
    if activate:
        tmp = folder / (ACTIVE_FILE + ".tmp")
        tmp.write_text(key_id + "\n")
        tmp.replace(folder / ACTIVE_FILE)
    return SigningKey(key_id=key_id, key=key, created=created)
