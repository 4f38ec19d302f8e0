"""The one public door into MEDIA_ROOT: city logos.

Signatures, certificate PDFs and attachments live in the same storage and are never served by
path; their own views check access. A logo is served only when the requested name is a city's
current logo *and* the real path of the file (symlinks and ``..`` resolved) lies inside the logos
folder, so no encoding of ``..``, no absolute path and no symlink reaches anything else.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.views.static import serve

from events.models import City

LOGO_FOLDER = "cities/logos"


def _logo_path(name: str) -> str | None:
    """The logo's path relative to the logos folder, or None when ``name`` may not be served."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    root = (Path(settings.MEDIA_ROOT) / LOGO_FOLDER).resolve()
    try:
        real = (root / name).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    relative = real.relative_to(root).as_posix()
    if relative != name:
        # "a/../b.png", "./b.png": a name that is not the stored one is not a logo's address.
        return None
    return relative


def city_logo(request, name: str):
    relative = _logo_path(name)
    if relative is None or not City.objects.filter(logo=f"{LOGO_FOLDER}/{relative}").exists():
        raise Http404
    return serve(request, relative, document_root=(Path(settings.MEDIA_ROOT) / LOGO_FOLDER).resolve())
