"""ETag / 304 for API reads, and CORS headers for the public GETs."""

from __future__ import annotations

import hashlib
import json

from rest_framework.response import Response

FORMAT_VERSION = "1"


def make_etag(*parts) -> str:
    digest = hashlib.sha256(json.dumps([FORMAT_VERSION, *parts], default=str, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags


def not_modified(etag: str) -> Response:
    response = Response(status=304)
    response["ETag"] = etag
    return response


def body_etag(data) -> str:
    return make_etag(data)


def add_cors(response, methods: str = "GET, HEAD, OPTIONS"):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
    response["Access-Control-Expose-Headers"] = "ETag, Retry-After, Content-Language"
    response["Access-Control-Max-Age"] = "86400"
    return response
