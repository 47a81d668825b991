"""Refuse outbound requests to addresses inside our own network.

A URL someone else chose (a webhook, an Apprise target, a marketplace's links and
redirects) must not make our workers talk to the database, the cloud metadata service
or anything else only reachable from inside.

The one guard, ``AddressGuard``, resolves a host once, refuses it unless every address
it answers is public, and hands back the addresses to connect to. ``GuardedAdapter``
(or ``guarded_session()``) installs it into ``requests`` at the place where the socket
is opened: the connection goes to the address that was checked, never to a second
answer of the resolver, so DNS rebinding between check and connect cannot happen. The
host name is kept for TLS (SNI and certificate checks) and the ``Host`` header.

``check_url_allowed`` is the same check without a connection, for validating input
(a webhook URL at creation) with a clear message.

This module imports no app of the project: any app may use it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError
from urllib3.poolmanager import PoolManager

# getaddrinfo's shape: (host, port, family, type, proto, flags) -> [(family, type, proto, canonname, sockaddr)]
Resolver = Callable[..., Sequence[tuple[Any, ...]]]
# Whether private addresses are fine for this (scheme, host, port): a sandbox marketplace's own origin, tests.
PrivatePolicy = Callable[[str, str, int], bool]

DEFAULT_PORTS = {"http": 80, "https": 443}


class AddressNotAllowed(ValueError):
    """The URL is not HTTP(S), its host is malformed, or it resolves to a non-public address."""


class HostNotResolved(AddressNotAllowed):
    """The host has no address (yet): not a refusal of where it points, and may pass later."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA-encoded), lower case, without brackets
    port: int


def target_of(url: str) -> Target:
    """The scheme, host and port a URL points at; AddressNotAllowed when it is not a usable HTTP(S) URL."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port
    except ValueError as exc:  # a bad port, a malformed IPv6 literal
        raise AddressNotAllowed(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not hostname:
        raise AddressNotAllowed("only http:// and https:// URLs with a host are allowed")
    if port == 0:
        raise AddressNotAllowed("bad port: 0")
    return Target(scheme, host_ascii(hostname), port or DEFAULT_PORTS[scheme])


def host_ascii(host: str) -> str:
    """The host as DNS sees it (IDNA for non-ASCII names); AddressNotAllowed when no DNS name can be made of it."""
    host = host.strip("[]").rstrip(".").lower()
    if _ip_or_none(host) is not None:
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:  # an empty label, a label over 63 characters, characters IDNA refuses
        raise AddressNotAllowed(f"{host[:80]!r} is not a valid host name") from None
    if len(ascii_host) > 253 or any(not 0 < len(label) <= 63 for label in ascii_host.split(".")):
        raise AddressNotAllowed(f"{host[:80]!r} is not a valid host name (labels are 1 to 63 characters)")
    return ascii_host


def address_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Routable on the public internet: not private, loopback, link-local, multicast, unspecified or reserved."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address.is_global and not (
        address.is_multicast or address.is_unspecified or address.is_reserved or address.is_loopback or address.is_link_local
    )


@dataclass(frozen=True)
class AddressGuard:
    """Resolve once, refuse non-public answers, return the addresses to connect to.

    ``resolver`` is ``socket.getaddrinfo`` unless a test gives its own DNS.
    ``allow_private`` is True, False, or a function of (scheme, host, port) saying
    where private addresses are fine (a sandbox marketplace may reach its own origin).
    """

    allow_private: bool | PrivatePolicy = False
    resolver: Resolver = field(default=socket.getaddrinfo)

    def private_allowed(self, target: Target) -> bool:
        if callable(self.allow_private):
            return bool(self.allow_private(target.scheme, target.host, target.port))
        return bool(self.allow_private)

    def addresses(self, target: Target) -> list[str]:
        """The addresses of ``target.host`` we may connect to, in the resolver's order; raises AddressNotAllowed."""
        literal = _ip_or_none(target.host)
        if literal is not None:
            found = [literal]
        else:
            try:
                infos = self.resolver(target.host, target.port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
                raise HostNotResolved(f"cannot resolve {target.host}: {exc}") from None
            found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
            if not found:
                raise HostNotResolved(f"cannot resolve {target.host}: no address")
        if not self.private_allowed(target):
            for address in found:
                # Every answer must be public: a name that answers a public address first
                # and a private one second is refused, not connected to the first.
                if not address_is_public(address):
                    raise AddressNotAllowed(f"{target.host} resolves to a non-public address ({address})")
        return list(dict.fromkeys(str(address) for address in found))

    def check_url(self, url: str) -> list[str]:
        return self.addresses(target_of(url))


def check_url_allowed(url: str, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
    """Raise AddressNotAllowed unless ``url`` is HTTP(S) to a well-formed host with public addresses only.

    With ``allow_private`` (tests, the sandbox) the URL must still be well formed, but
    its host is not resolved.
    """
    target = target_of(url)
    if allow_private:
        return
    AddressGuard(resolver=resolver or socket.getaddrinfo).addresses(target)


def _ip_or_none(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


# --- requests / urllib3 ----------------------------------------------------------------


def _connect_guarded(conn: HTTPConnection, guard: AddressGuard | None, scheme: str, connect: Callable[[], socket.socket]) -> socket.socket:
    """Open the socket to an address the guard approved, instead of resolving the host again.

    urllib3 connects to ``conn._dns_host``; ``conn.host`` (the TLS server name, the
    certificate check, the Host header) is read again after the socket is open, so it
    stays the name. The approved addresses are tried in turn, as
    ``socket.create_connection`` would try a resolver's answers.
    """
    if guard is None:  # fail closed: a pool built without a guard connects nowhere
        raise AddressNotAllowed("no address guard installed on this connection")
    name = conn._dns_host
    last_error: ConnectTimeoutError | None = None
    for address in guard.addresses(Target(scheme, host_ascii(name), int(conn.port))):
        conn._dns_host = address
        try:
            return connect()
        except ConnectTimeoutError as exc:  # a refused connection (NewConnectionError) or a time-out
            last_error = exc
        finally:
            conn._dns_host = name
    assert last_error is not None  # addresses() returns at least one address or raises
    raise last_error


class GuardedHTTPConnection(HTTPConnection):
    guard: AddressGuard | None = None

    def _new_conn(self) -> socket.socket:
        return _connect_guarded(self, self.guard, "http", super()._new_conn)


class GuardedHTTPSConnection(HTTPSConnection):
    guard: AddressGuard | None = None

    def _new_conn(self) -> socket.socket:
        return _connect_guarded(self, self.guard, "https", super()._new_conn)


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection
    guard: AddressGuard | None = None

    def _new_conn(self) -> GuardedHTTPConnection:
        conn = super()._new_conn()
        if not isinstance(conn, GuardedHTTPConnection):  # fail closed if ConnectionCls is ever swapped
            raise TypeError(f"{type(conn).__name__} is not a guarded connection")
        conn.guard = self.guard
        return conn


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection
    guard: AddressGuard | None = None

    def _new_conn(self) -> GuardedHTTPSConnection:
        conn = super()._new_conn()
        if not isinstance(conn, GuardedHTTPSConnection):
            raise TypeError(f"{type(conn).__name__} is not a guarded connection")
        conn.guard = self.guard
        return conn


class _GuardedPoolManager(PoolManager):
    def __init__(self, *args: Any, guard: AddressGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self.pool_classes_by_scheme = {"http": _GuardedHTTPConnectionPool, "https": _GuardedHTTPSConnectionPool}

    def _new_pool(self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        if not isinstance(pool, _GuardedHTTPConnectionPool | _GuardedHTTPSConnectionPool):
            raise AddressNotAllowed(f"no guarded connections for scheme {scheme!r}")
        pool.guard = self.guard
        return pool


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes through ``guard``. Proxies are refused."""

    def __init__(self, *, guard: AddressGuard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _GuardedPoolManager(num_pools=connections, maxsize=maxsize, block=block, guard=self.guard, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # A proxy would resolve and connect on its own, out of the guard's reach.
        raise AddressNotAllowed("outbound requests do not go through proxies")


def guarded_session(*, guard: AddressGuard | None = None, pool_connections: int = 10, pool_maxsize: int = 10) -> requests.Session:
    """A ``requests.Session`` for outbound calls: every connection guarded, environment proxies ignored."""
    session = requests.Session()
    session.trust_env = False  # HTTP(S)_PROXY / .netrc from the environment would bypass the guard
    adapter = GuardedAdapter(guard=guard or AddressGuard(), pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
