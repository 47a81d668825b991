"""The client's address, from the proxy chain we configured, never from what the client says.

Behind N reverse proxies (``NUM_PROXIES``), each proxy appends the address it saw to
``X-Forwarded-For``; the right-most N entries were written by our proxies, so the N-th
from the right is the client as our outermost proxy saw it. Anything left of it was sent
by the client and can be anything. With ``NUM_PROXIES=0`` (the embedded default: no
proxy) the header is ignored and the socket's address is the client.

Throttles, login limits and logs all call :func:`client_ip`, so they agree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings

UNKNOWN = "unknown"


def _valid(address: str) -> str | None:
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(meta: Mapping[str, Any], *, num_proxies: int | None = None) -> str:
    """The client address for a request's ``META``; ``"unknown"`` when there is none."""
    proxies = settings.NUM_PROXIES if num_proxies is None else num_proxies
    remote = _valid(str(meta.get("REMOTE_ADDR") or ""))
    if proxies > 0:
        hops = [hop for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
        if hops:
            # Fewer hops than proxies: the chain is shorter than configured, and the
            # left-most entry is the best we have (it came through at least one of ours).
            candidate = _valid(hops[-min(proxies, len(hops))])
            if candidate:
                return candidate
    return remote or UNKNOWN
