"""Refusing outbound calls to loopback, private, link-local and other internal addresses (SSRF), unless
the operator allows private networks (ALLOW_PRIVATE_NETWORKS, as tests and the local demo do). Used by
mailroom's webhooks and courier's provider requests."""

import ipaddress
import socket
from urllib.parse import urlsplit

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
