"""Only city logos are served from MEDIA_ROOT; no path trick reaches signatures or certificates."""

import os

import pytest
from django.conf import settings

from tests.factories import CityFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def media(db):
    root = settings.MEDIA_ROOT
    (root / "cities/logos").mkdir(parents=True)
    (root / "cities/signatures").mkdir(parents=True)
    (root / "certificates/2026").mkdir(parents=True)
    (root / "cities/logos/riga.png").write_bytes(PNG)
    (root / "cities/signatures/signature.png").write_bytes(b"SIGNATURE")
    (root / "certificates/2026/abc.pdf").write_bytes(b"%PDF-CERTIFICATE")
    os.symlink(root / "cities/signatures/signature.png", root / "cities/logos/evil.png")
    CityFactory(slug="riga", logo="cities/logos/riga.png")
    # Even a city whose logo field names the symlink does not expose what it points to.
    CityFactory(slug="ravenna", logo="cities/logos/evil.png")
    return root


def test_a_city_logo_is_public(client, media):
    response = client.get("/media/cities/logos/riga.png")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_a_file_in_the_logos_folder_that_is_no_citys_logo_is_not_served(client, media):
    (media / "cities/logos/stray.png").write_bytes(PNG)

    assert client.get("/media/cities/logos/stray.png").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/cities/logos/../signatures/signature.png",
        "/media/cities/logos/%2e%2e/signatures/signature.png",
        "/media/cities/logos/%2E%2E/signatures/signature.png",
        "/media/cities/logos/..%2fsignatures/signature.png",
        "/media/cities/logos/..%2Fsignatures%2Fsignature.png",
        "/media/cities/logos/%252e%252e/signatures/signature.png",
        "/media/cities/logos/%252e%252e%252fsignatures%252fsignature.png",
        "/media/cities/logos/..\\signatures\\signature.png",
        "/media/cities/logos/..%5csignatures%5csignature.png",
        "/media/cities/logos/../../certificates/2026/abc.pdf",
        "/media/cities/logos/%2e%2e/%2e%2e/certificates/2026/abc.pdf",
        "/media/cities/logos/./../signatures/signature.png",
        "/media/cities/logos/riga.png/../../signatures/signature.png",
        "/media/cities/logos//etc/passwd",
        "/media/cities/logos/%2fetc%2fpasswd",
        "/media/cities/logos/evil.png",
        "/media/cities/logos/riga.png%00.pdf",
        "/media/cities/signatures/signature.png",
        "/media/certificates/2026/abc.pdf",
    ],
)
def test_no_path_trick_reaches_a_signature_or_a_certificate(client, media, path):
    response = client.get(path)

    assert response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SIGNATURE" not in body and b"CERTIFICATE" not in body


def test_an_absolute_path_from_the_filesystem_root_is_not_served(client, media):
    response = client.get(f"/media/cities/logos/{media}/cities/signatures/signature.png")

    assert response.status_code == 404
