"""``Idempotency-Key`` for POSTs: the first answer is stored and replayed, so a retried call acts once.

The key row is inserted in the same transaction as the service's change: two concurrent calls
with one key cannot both act (the second waits on the unique index, then replays the first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response

from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID); a repeated call with the same key and body replays the first answer.",
)


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        return Response(
            {"detail": _("This Idempotency-Key was already used for a different request."), "code": "idempotency_key_reused"},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, run: Callable[[], Response]) -> Response:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return run()
    if len(key) > 200:
        return Response(
            {"detail": _("The Idempotency-Key is longer than 200 characters."), "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    digest = _request_hash(request)
    existing = IdempotencyKey.objects.filter(token=request.auth, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                token=request.auth, key=key, request_hash=digest, status_code=0, body={}
            )
            response = run()
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
    except IntegrityError:
        return _replay(IdempotencyKey.objects.get(token=request.auth, key=key), digest)
    return response
