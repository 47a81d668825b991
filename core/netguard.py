"""Refuse outbound requests to addresses inside our own network.

A URL a user typed (a webhook, say) must not make our workers talk to the database,
the metadata service or anything else that is only reachable from inside. The host is
resolved and every address it resolves to must be public; callers check again right
before each request, so a name that later resolves elsewhere is caught too.
This module imports no app of the project: any app may use it.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressNotAllowed(ValueError):
    """The URL is not HTTP(S), or its host is private, loopback, link-local or unresolvable."""


def check_url_allowed(url: str, *, allow_private: bool = False) -> None:
    """Raise AddressNotAllowed unless ``url`` is HTTP(S) to a host with public addresses only."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[::1/h": an unclosed IPv6 bracket
        raise AddressNotAllowed("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise AddressNotAllowed("only http:// and https:// URLs with a host are allowed")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressNotAllowed(f"bad port: {exc}") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise AddressNotAllowed(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise AddressNotAllowed(f"{parts.hostname} resolves to a non-public address")
