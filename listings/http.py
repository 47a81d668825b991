"""The polite HTTP client every agent fetches through.

One pooled ``requests.Session`` per marketplace, connect and read time-outs, an
identifiable User-Agent, a cap on the body size, and a guard that refuses private,
loopback and link-local addresses unless the marketplace row allows them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A fetch that produced no usable body. ``status`` is a ScrapeRun status."""

    def __init__(self, message: str, *, status: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.http_status = http_status


@dataclass
class FetchResponse:
    url: str
    status_code: int
    body: bytes
    headers: dict[str, str]


_sessions: dict[str, requests.Session] = {}
_sessions_lock = threading.Lock()


def session_for(marketplace_slug: str) -> requests.Session:
    with _sessions_lock:
        session = _sessions.get(marketplace_slug)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = settings.SCOUT_USER_AGENT
            session.max_redirects = MAX_REDIRECTS
            _sessions[marketplace_slug] = session
        return session


def check_address_allowed(url: str, *, allow_private: bool) -> None:
    """Refuse URLs whose host resolves to a private, loopback or link-local address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"refusing non-HTTP URL {url!r}", status="blocked")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {parts.hostname}: {exc}", status="http_error") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchError(f"refusing to fetch {parts.hostname}: it resolves to a non-public address", status="blocked")


def fetch(
    url: str,
    *,
    marketplace_slug: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    allow_private: bool = False,
) -> FetchResponse:
    check_address_allowed(url, allow_private=allow_private)
    session = session_for(marketplace_slug)
    try:
        response = session.get(
            url, params=params, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=True, allow_redirects=True
        )
    except requests.Timeout as exc:
        raise FetchError(f"timed out: {exc}", status="timeout") from exc
    except requests.RequestException as exc:
        raise FetchError(f"request failed: {exc}", status="http_error") from exc
    with response:
        for hop in [*response.history, response]:
            check_address_allowed(hop.url, allow_private=allow_private)
        body = _read_capped(response)
    if response.status_code == 429:
        raise FetchError("rate limited (429)", status="rate_limited", http_status=429)
    if response.status_code >= 400:
        raise FetchError(f"HTTP {response.status_code}", status="http_error", http_status=response.status_code)
    return FetchResponse(url=response.url, status_code=response.status_code, body=body, headers=dict(response.headers))


def _read_capped(response: requests.Response) -> bytes:
    chunks = []
    total = 0
    for chunk in response.iter_content(chunk_size=65536):
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            raise FetchError(f"body larger than {MAX_BODY_BYTES} bytes", status="http_error", http_status=response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)
