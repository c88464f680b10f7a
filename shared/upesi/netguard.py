"""Refusing outbound calls to loopback, private, link-local and other internal addresses (SSRF), unless
the operator allows private networks (ALLOW_PRIVATE_NETWORKS, as tests and the local demo do)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from upesi.config import get_settings

DISALLOWED = [
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
        "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10", "::/128",
    )
]  # fmt: skip


class DisallowedAddress(ValueError):
    pass


def check_url(url: str) -> None:
    """Raise DisallowedAddress if the URL's host resolves to an internal address and that is not allowed."""
    if get_settings().allow_private_networks:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DisallowedAddress(f"not an http(s) URL: {url}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as e:
        raise DisallowedAddress(f"unable to resolve host {parts.hostname}") from e
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if any(address in net for net in DISALLOWED):
            raise DisallowedAddress(
                f"request to {parts.hostname} ({address}) is a private or loopback address"
            )
