"""The client's address, the one key every rate limit of the site counts by.

Without a trusted proxy (``TRUSTED_PROXY_COUNT = 0``, no ``TRUSTED_CLIENT_IP_HEADER``) it is
``REMOTE_ADDR``: a header the client writes cannot buy more attempts. Behind N proxies that each
append the address they received from to ``X-Forwarded-For``, it is the N-th entry from the right
(the address the outermost trusted proxy saw), so entries a client forges on the left are ignored.
allauth's limits read the same function through ``AccountAdapter.get_client_ip``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", None)
    if header:
        return _clean(request.headers.get(header)) or remote
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.headers.get("x-forwarded-for")
    if count > 0 and forwarded:
        hops = forwarded.split(",")
        if len(hops) >= count:
            return _clean(hops[-count]) or remote
    return remote


def limit_key(request) -> str:
    """The address rate limits count by: an IPv6 client counts as its /64, which one host owns whole."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return address
