from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, Scope, hash_token, new_raw_token

ALL_SCOPES = list(Scope.values)


def make_token(owner, *, scopes=None, city=None, expires_in=timedelta(days=30), revoked=False) -> str:
    raw = new_raw_token()
    ApiToken.objects.create(
        owner=owner, name="test", prefix=raw[:12], token_hash=hash_token(raw),
        scopes=ALL_SCOPES if scopes is None else scopes, city=city,
        expires_at=timezone.now() + expires_in, revoked_at=timezone.now() if revoked else None,
    )
    return raw


@pytest.fixture
def api():
    return APIClient()


def with_token(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def organizer_client(organizer, city):
    return with_token(make_token(organizer))
