"""Outgoing webhook requests, checked against server-side request forgery.

The target's host is resolved once; every address it resolves to must be public (not loopback,
private, link-local, shared, multicast, reserved or a cloud metadata address), and the request is
then sent to that checked address — a second DNS answer cannot redirect it — with TLS still
verifying the certificate for the host name. Production accepts https only.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("169.254.170.2"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


class UnsafeTarget(Exception):
    """The address may not receive webhooks; ``str()`` is a translated explanation."""


@dataclass(frozen=True)
class CheckedTarget:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve(host: str, port: int) -> list[str]:
    """Every address of ``host`` (a seam for tests, which never use the network)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in SHARED_ADDRESS_SPACE:
        return False
    return not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def check_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of an acceptable URL (without resolving it)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise UnsafeTarget(_("Webhook addresses must start with https://."))
    if not parts.hostname:
        raise UnsafeTarget(_("This webhook address has no host name."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("A webhook address may not contain a user name or password."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget(_("This webhook address has an invalid port."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port, path


def check_target(url: str) -> CheckedTarget:
    scheme, host, port, path = check_url(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeTarget(_("The host name of this webhook address could not be resolved."))
    if not addresses:
        raise UnsafeTarget(_("The host name of this webhook address could not be resolved."))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not all(address_is_public(a) for a in addresses):
        raise UnsafeTarget(_("This webhook address points to a private or local network."))
    return CheckedTarget(scheme, host, port, path, addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address while TLS (SNI and certificate) uses the host name."""

    def __init__(self, target: CheckedTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: CheckedTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float | None = None) -> int:
    """POST ``body`` to a checked address; the status code. Raises UnsafeTarget or OSError."""
    target = check_target(url)
    timeout = settings.WEBHOOK_TIMEOUT if timeout is None else timeout
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target, timeout)
    try:
        # Redirects are not followed: http.client never does.
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
