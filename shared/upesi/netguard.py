"""Refusing outbound calls to loopback, private, link-local and other internal addresses (SSRF), unless
the operator allows private networks (ALLOW_PRIVATE_NETWORKS, as tests and the local demo do). Used by
mailroom's webhooks and courier's provider requests.

check_url refuses a URL before any request is made. guarded_transport checks again as each connection is
opened, on the addresses actually connected to, as the reference's dialer does: a name that resolves to a
public address for the first check and to a private one a moment later (DNS rebinding) is still refused.
"""

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from upesi.config import get_settings

CGNAT = ipaddress.ip_network("100.64.0.0/10")


class DisallowedAddress(ValueError):
    pass


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        or (address.version == 4 and address in CGNAT)
    )


def resolves_to_internal(host: str) -> bool:
    """True if any address the host resolves to is internal. An unresolvable host is not: the request itself
    fails as a connection error."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return any(is_internal(ipaddress.ip_address(info[4][0])) for info in infos)


def check_url(url: str) -> None:
    """Raise DisallowedAddress if the URL's host is internal and that is not allowed."""
    if get_settings().allow_private_networks:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DisallowedAddress(f"not an http(s) URL: {url}")
    if resolves_to_internal(parts.hostname):
        raise DisallowedAddress(f"request to {parts.hostname} is a private or loopback address")


def vetted_address(host: str, port: int) -> str:
    """The address to connect to for host: raises DisallowedAddress if any address it resolves to is internal
    (an attacker's name may answer with several)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise httpcore.ConnectError(f"{host}: {e}") from e
    addresses = [str(info[4][0]) for info in infos]
    if any(is_internal(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise DisallowedAddress(f"request to {host} is a private or loopback address")
    return addresses[0]


class GuardedBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if not get_settings().allow_private_networks:
            # connect to the very address vetted; TLS still verifies the certificate for the name
            host = vetted_address(host, port)
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


def guarded_transport(**kwargs: object) -> httpx.HTTPTransport:
    """An httpx transport whose connections only go to addresses allowed at the time they are opened."""
    transport = httpx.HTTPTransport(**kwargs)  # type: ignore[arg-type]
    # httpx has no public way to choose httpcore's network backend
    transport._pool._network_backend = GuardedBackend()
    return transport
