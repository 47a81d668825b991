"""The polite HTTP client every agent fetches through.

Per marketplace: one pooled ``requests.Session``; connect and read time-outs; an
identifiable User-Agent (``SCOUT_USER_AGENT``); a cap on the body, counted after
decompression so a gzip bomb stops at the cap; retries with exponential backoff and
jitter on time-outs, connection errors and 5xx; a total deadline per fetch
(``SCOUT_FETCH_DEADLINE``: connect, answer and whole body of every attempt and redirect,
so a site trickling a byte at a time cannot hold a worker); ``Retry-After`` honoured on 429 and 503;
a rate limit (``Marketplace.requests_per_minute``) shared by every worker process
through the Django cache; robots.txt honoured and cached; ``ETag``/``Last-Modified``
sent back as conditional requests; a circuit breaker whose state lives in the cache;
and the address guard of ``core.netguard``, installed in the session: every connection
(each hop of a redirect chain too) goes to an address it checked, never to a private,
loopback or link-local one unless the marketplace's own origin is allowed there.

Every failure is a ``FetchError`` whose ``status`` is a ScrapeRun status, so the caller
records what happened without interpreting exceptions.

Waiting goes through ``sleep`` (module level, or passed to ``PoliteClient``) and time
through ``clock``, so tests record the waits instead of sleeping through them.
"""

from __future__ import annotations

import hashlib
import logging
import random
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache as default_cache

from core.netguard import AddressGuard, AddressNotAllowed, HostNotResolved, guarded_session, target_of

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRY_STATUSES = {500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def sleep(seconds: float) -> None:
    """Every wait of the client goes through here (tests replace it with a recorder)."""
    if seconds > 0:
        time.sleep(seconds)


class FetchError(Exception):
    """A fetch that produced no usable body. ``status`` is a ScrapeRun status."""

    def __init__(self, message: str, *, status: str, http_status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.http_status = http_status
        # A time-out or a refused connection: worth a retry, and a sign of a sick site.
        self.retryable = retryable


@dataclass
class FetchResponse:
    url: str
    status_code: int
    body: bytes
    headers: dict[str, str]
    encoding: str = ""
    # 304: the page has not changed since the validators we sent; ``body`` is empty.
    not_modified: bool = False
    attempts: int = 1
    # The ETag/Last-Modified this 200 answer carried, and where they would be kept. They
    # are kept only when the caller says the page was good (``PoliteClient.validators_keep``):
    # a bot challenge with an ETag must not turn every later round into a 304.
    validators: dict[str, str] = field(default_factory=dict)
    validators_key: str = ""


@dataclass(frozen=True)
class SitePolicy:
    """How politely one marketplace is read: what the client needs from its row."""

    slug: str
    requests_per_minute: int = 10
    base_url: str = ""
    allow_private_network: bool = False
    obey_robots_txt: bool = True

    @classmethod
    def for_marketplace(cls, marketplace: Any, *, obey_robots_txt: bool = True) -> SitePolicy:
        return cls(
            slug=marketplace.slug,
            requests_per_minute=max(int(marketplace.requests_per_minute), 1),
            base_url=marketplace.base_url,
            allow_private_network=bool(marketplace.allow_private_network),
            obey_robots_txt=obey_robots_txt and bool((marketplace.config or {}).get("obey_robots_txt", True)),
        )


def _cache_call(default: Any, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a cache operation; when the cache is down, log it and go on with ``default``.

    A broken Redis must not stop scouting: the rate limit falls back to this process
    alone and the breaker stays closed, which is less polite but never silent.
    """
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any cache backend error means "cache unavailable"
        logger.warning("scout_cache_unavailable", extra={"error": type(exc).__name__, "operation": getattr(function, "__name__", "")})
        return default


class SharedRateLimiter:
    """At most ``requests_per_minute`` fetches per marketplace, across every process.

    Time is cut into slots of ``60 / rpm`` seconds. A fetch claims the first free slot
    from now on with the cache's atomic ``add`` (Redis ``SET NX``; an INSERT on the
    primary key in the database cache) and waits for that slot's start. Two workers
    can never claim the same slot, so ten workers make the traffic of one.
    """

    def __init__(
        self,
        slug: str,
        requests_per_minute: int,
        *,
        cache: Any = None,
        clock: Callable[[], float] = time.time,
        sleep_fn: Callable[[float], None] | None = None,
        max_wait: float | None = None,
    ) -> None:
        self.slug = slug
        self.interval = 60.0 / max(requests_per_minute, 1)
        self.cache = cache or default_cache
        self.clock = clock
        self.sleep = sleep_fn
        self.max_wait = float(_setting("SCOUT_MAX_RATE_WAIT", 120.0)) if max_wait is None else max_wait
        self._local_lock = threading.Lock()
        self._local_next = 0.0

    def acquire(self) -> float:
        """Wait for this marketplace's next free slot; return how long it waited."""
        now = self.clock()
        slot = int(now // self.interval)
        while True:
            start = slot * self.interval
            wait = max(start - now, 0.0)
            if wait > self.max_wait:
                raise FetchError(
                    f"rate limit queue for {self.slug} is longer than {self.max_wait:.0f} s; try the next round",
                    status="rate_limited",
                )
            key = f"scout:rate:{self.slug}:{self.interval:.3f}:{slot}"
            claimed = _cache_call(None, self.cache.add, key, 1, timeout=int(wait + self.interval) + 60)
            if claimed is None:
                wait = self._acquire_locally(now)
                break
            if claimed:
                break
            slot += 1
        (self.sleep or sleep)(wait)
        return wait

    def _acquire_locally(self, now: float) -> float:
        with self._local_lock:
            start = max(now, self._local_next)
            self._local_next = start + self.interval
        return start - now


class CircuitBreaker:
    """Skips a marketplace after repeated failures, for a cool-down, then tries once.

    State (failure count, open-until time) lives in the cache so every worker sees
    it. After the cool-down one worker wins the half-open probe (an atomic ``add``);
    its success closes the breaker, its failure opens it for another cool-down.
    """

    def __init__(self, slug: str, *, cache: Any = None, clock: Callable[[], float] = time.time) -> None:
        self.slug = slug
        self.cache = cache or default_cache
        self.clock = clock
        self.key = f"scout:breaker:{slug}"
        self.probe_key = f"scout:breaker:{slug}:probe"

    @property
    def threshold(self) -> int:
        return int(_setting("SCOUT_BREAKER_THRESHOLD", 5))

    @property
    def cooldown(self) -> float:
        return float(_setting("SCOUT_BREAKER_COOLDOWN", 300.0))

    def state(self) -> dict[str, float]:
        return _cache_call(None, self.cache.get, self.key) or {"failures": 0, "open_until": 0.0}

    def allow(self) -> bool:
        state = self.state()
        open_until = float(state.get("open_until") or 0)
        if not open_until:
            return True
        if self.clock() < open_until:
            return False
        # Half-open: one probe at a time, across every worker.
        return bool(_cache_call(True, self.cache.add, self.probe_key, 1, timeout=int(self.cooldown) + 60))

    def record_success(self) -> None:
        if self.state().get("failures") or self.state().get("open_until"):
            _cache_call(None, self.cache.delete_many, [self.key, self.probe_key])
            logger.info("breaker_closed", extra={"marketplace": self.slug})

    def record_failure(self) -> None:
        state = self.state()
        failures = int(state.get("failures") or 0) + 1
        open_until = float(state.get("open_until") or 0)
        if open_until or failures >= self.threshold:
            self.open_for(self.cooldown, failures=failures)
            return
        _cache_call(None, self.cache.set, self.key, {"failures": failures, "open_until": 0.0}, timeout=int(self.cooldown * 10))

    def open_for(self, seconds: float, *, failures: int | None = None) -> None:
        until = self.clock() + seconds
        state = {"failures": failures if failures is not None else int(self.state().get("failures") or 0), "open_until": until}
        _cache_call(None, self.cache.set, self.key, state, timeout=int(seconds + self.cooldown * 10))
        _cache_call(None, self.cache.delete, self.probe_key)
        logger.warning("breaker_opened", extra={"marketplace": self.slug, "seconds": round(seconds, 1), "failures": state["failures"]})


@dataclass
class _Hop:
    response: requests.Response
    url: str


@dataclass
class PoliteClient:
    """The HTTP client of one marketplace. Get one with ``client_for(marketplace)``."""

    policy: SitePolicy
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] = time.time
    cache: Any = None
    resolver: Callable[..., Any] = socket.getaddrinfo  # DNS; tests give their own
    guard: AddressGuard | None = None  # default: public addresses, plus the marketplace's own origin if allowed
    session: requests.Session = field(init=False)
    limiter: SharedRateLimiter = field(init=False)
    breaker: CircuitBreaker = field(init=False)

    def __post_init__(self) -> None:
        self.cache = self.cache or default_cache
        self.guard = self.guard or AddressGuard(allow_private=self._private_allowed, resolver=self.resolver)
        # Environment proxies are ignored (trust_env off): they would bypass the guard.
        self.session = guarded_session(guard=self.guard, pool_connections=2, pool_maxsize=8)
        self.session.headers["User-Agent"] = settings.SCOUT_USER_AGENT
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.limiter = SharedRateLimiter(
            self.policy.slug, self.policy.requests_per_minute, cache=self.cache, clock=self.clock, sleep_fn=self._sleep
        )
        self.breaker = CircuitBreaker(self.policy.slug, cache=self.cache, clock=self.clock)

    # --- public -----------------------------------------------------------------------

    def get(self, url: str, *, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> FetchResponse:
        """GET politely: breaker, robots.txt, rate limit, retries, validators, caps."""
        full_url = _with_params(url, params)
        if not self.breaker.allow():
            raise FetchError(f"circuit breaker open for {self.policy.slug}: skipped until the cool-down ends", status="skipped")
        if self.policy.obey_robots_txt and not self.robots_allowed(full_url):
            raise FetchError(f"robots.txt of {urlsplit(full_url).netloc} disallows {urlsplit(full_url).path}", status="blocked")
        validators_key = self._validators_key(full_url)
        validators = _cache_call(None, self.cache.get, validators_key) or {}
        request_headers = dict(headers or {})
        if validators.get("etag"):
            request_headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            request_headers["If-Modified-Since"] = validators["last_modified"]
        response = self._request_with_retries("GET", full_url, headers=request_headers)
        response.validators_key = validators_key
        if response.status_code == 200:
            response.validators = {
                "etag": response.headers.get("ETag", ""),
                "last_modified": response.headers.get("Last-Modified", ""),
            }
        return response

    def validators_keep(self, response: FetchResponse) -> None:
        """Send this page's validators with the next fetch of its URL (call once it parsed well)."""
        if response.validators_key and any(response.validators.values()):
            _cache_call(None, self.cache.set, response.validators_key, response.validators, timeout=7 * 86400)

    def validators_forget(self, response: FetchResponse) -> None:
        """The page was unreadable or a challenge: the next fetch asks for the whole page again."""
        if response.validators_key:
            _cache_call(None, self.cache.delete, response.validators_key)

    def _validators_key(self, full_url: str) -> str:
        return f"scout:validators:{self.policy.slug}:{hashlib.sha256(full_url.encode()).hexdigest()[:24]}"

    def post(
        self, url: str, *, data: dict[str, str], auth: tuple[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> FetchResponse:
        """POST (a token endpoint): rate limited and guarded, never retried on its own."""
        if not self.breaker.allow():
            raise FetchError(f"circuit breaker open for {self.policy.slug}", status="skipped")
        return self._request_with_retries("POST", url, headers=dict(headers or {}), data=data, auth=auth, retries=0)

    def robots_allowed(self, url: str) -> bool:
        """What the site's robots.txt says about our User-Agent and this URL (cached).

        Per RFC 9309: a 4xx robots.txt means no rules; a robots.txt we cannot fetch
        (5xx, time-out) means we must not crawl, and the fetch fails with that cause.
        """
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        key = f"scout:robots:{hashlib.sha256(robots_url.encode()).hexdigest()[:24]}"
        text = _cache_call(None, self.cache.get, key)
        if text is None:
            text = self._fetch_robots(robots_url)
            _cache_call(None, self.cache.set, key, text, timeout=int(_setting("SCOUT_ROBOTS_TTL", 3600)))
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        return parser.can_fetch(settings.SCOUT_USER_AGENT, url)

    # --- internals --------------------------------------------------------------------

    def _private_allowed(self, scheme: str, host: str, port: int) -> bool:
        """A marketplace row with ``allow_private_network`` (the sandbox, tests) may reach its own
        origin on a private address, and nothing else: a redirect from it to another internal
        address (a cloud metadata endpoint, say) is still refused."""
        return self.policy.allow_private_network and _same_origin(f"{scheme}://{host}:{port}/", self.policy.base_url)

    def _sleep(self, seconds: float) -> None:
        (self.sleep or sleep)(seconds)

    def _fetch_robots(self, robots_url: str) -> str:
        response = self._request_with_retries("GET", robots_url, headers={}, retries=1, allow_error=True)
        if response.status_code >= 500:
            raise FetchError(f"robots.txt answered HTTP {response.status_code}", status="http_error", http_status=response.status_code)
        if response.status_code >= 400:
            return ""  # RFC 9309 2.3.1.3: unavailable robots.txt, no rules
        return response.body.decode(response.encoding or "utf-8", errors="replace")

    def _request_with_retries(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        retries: int | None = None,
        allow_error: bool = False,
    ) -> FetchResponse:
        max_retries = int(_setting("SCOUT_MAX_RETRIES", 2)) if retries is None else retries
        # Real time, not self.clock: the deadline bounds what the network really takes.
        deadline = time.monotonic() + float(_setting("SCOUT_FETCH_DEADLINE", 30.0))
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            try:
                response = self._send(method, url, headers=headers, data=data, auth=auth, deadline=deadline)
            except FetchError as exc:
                if exc.retryable and attempt <= max_retries and time.monotonic() < deadline:
                    self._backoff(attempt, reason=exc.status)
                    continue
                if exc.retryable:
                    self.breaker.record_failure()
                raise
            response.attempts = attempt
            status = response.status_code
            if status in (429, 503):
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"), now=self.clock())
                limit = float(_setting("SCOUT_MAX_RETRY_AFTER", 60.0))
                if retry_after is not None and retry_after <= limit and attempt <= max_retries:
                    logger.info("scout_retry_after", extra={"marketplace": self.policy.slug, "seconds": retry_after, "status": status})
                    self._sleep(retry_after)
                    continue
                if retry_after is None and status == 503 and attempt <= max_retries:
                    self._backoff(attempt, reason="http_503")
                    continue
                if retry_after is not None and retry_after > limit:
                    # The site asked for a longer pause than a task may wait: keep
                    # every worker away from it for that long.
                    self.breaker.open_for(retry_after)
                else:
                    self.breaker.record_failure()
                if status == 429:
                    raise FetchError(f"rate limited by the site (429, Retry-After {retry_after})", status="rate_limited", http_status=429)
                raise FetchError("HTTP 503 (service unavailable)", status="http_error", http_status=503)
            if status in RETRY_STATUSES:
                if attempt <= max_retries:
                    self._backoff(attempt, reason=f"http_{status}")
                    continue
                self.breaker.record_failure()
                raise FetchError(f"HTTP {status} after {attempt} attempts", status="http_error", http_status=status)
            if status == 304:
                self.breaker.record_success()
                response.not_modified = True
                return response
            if status >= 400 and not allow_error:
                # A 4xx is about our request, not the site's health: no breaker count.
                raise FetchError(f"HTTP {status}", status="blocked" if status == 403 else "http_error", http_status=status)
            self.breaker.record_success()
            return response

    def _backoff(self, attempt: int, *, reason: str) -> None:
        base = float(_setting("SCOUT_BACKOFF_BASE", 1.0))
        cap = float(_setting("SCOUT_BACKOFF_MAX", 30.0))
        delay = min(cap, base * (2 ** (attempt - 1)))
        delay = delay / 2 + random.uniform(0, delay / 2)  # "equal jitter": spreads the retries of many workers
        logger.info("scout_retry", extra={"marketplace": self.policy.slug, "attempt": attempt, "reason": reason, "delay": round(delay, 3)})
        self._sleep(delay)

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        data: dict[str, str] | None,
        auth: tuple[str, str] | None,
        deadline: float,
    ) -> FetchResponse:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                target_of(current)
            except AddressNotAllowed as exc:
                raise FetchError(f"refusing {current[:200]!r}: {exc}", status="blocked") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _deadline_error()
            # Each socket operation waits at most its own time-out and what is left of the deadline.
            timeout = (
                min(float(_setting("SCOUT_CONNECT_TIMEOUT", 5.0)), remaining),
                min(float(_setting("SCOUT_READ_TIMEOUT", 20.0)), remaining),
            )
            try:
                with self._open(method, current, headers=headers, data=data, auth=auth, timeout=timeout) as response:
                    if response.status_code in REDIRECT_STATUSES and response.headers.get("Location"):
                        target = _redirect_target(current, response.headers["Location"])
                        if urlsplit(target).netloc != urlsplit(current).netloc:
                            # Credentials are for the host we chose, never for the one it sends us to.
                            headers = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")}
                            auth = None
                        current = target
                        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                            method, data = "GET", None
                        continue
                    body = _read_capped(response, deadline=deadline)
                    return FetchResponse(
                        url=current,
                        status_code=response.status_code,
                        body=body,
                        headers=dict(response.headers),
                        encoding=_charset(response.headers.get("Content-Type", "")),
                    )
            except HostNotResolved as exc:
                raise FetchError(str(exc), status="http_error") from None
            except AddressNotAllowed as exc:
                raise FetchError(f"refusing to fetch {urlsplit(current).hostname}: {exc}", status="blocked") from None
            except requests.Timeout as exc:
                raise FetchError(
                    f"timed out after {timeout[0]:.0f}/{timeout[1]:.0f} s (connect/read)", status="timeout", retryable=True
                ) from exc
            except requests.ConnectionError as exc:
                if "timed out" in str(exc):  # a read time-out while streaming the body
                    raise FetchError(f"timed out reading the body after {timeout[1]:.0f} s", status="timeout", retryable=True) from exc
                raise FetchError(
                    f"could not connect to {urlsplit(current).netloc}: {type(exc).__name__}", status="http_error", retryable=True
                ) from exc
            except requests.RequestException as exc:
                raise FetchError(f"request failed: {type(exc).__name__}", status="http_error") from exc
            except ValueError as exc:
                # requests parses a redirect's Location even when it follows none itself:
                # "http://[::1/ok" or a port of 99999 is a ValueError from urllib, not a crash.
                raise FetchError(f"redirect to a malformed URL: {exc}", status="http_error") from exc
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", status="http_error")

    @contextmanager
    def _open(self, method: str, url: str, **kwargs: Any) -> Iterator[requests.Response]:
        response = self.session.request(method, url, stream=True, allow_redirects=False, **kwargs)
        try:
            yield response
        finally:
            response.close()


def _redirect_target(current: str, location: str) -> str:
    """Where a redirect points, or FetchError when the Location is no URL (bad IPv6, bad port)."""
    try:
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        raise FetchError(f"redirect to a malformed URL {location[:200]!r}: {exc}", status="http_error") from exc
    return target


def _same_origin(url: str, base_url: str) -> bool:
    if not base_url:
        return False
    a, b = urlsplit(url), urlsplit(base_url)
    default = {"http": 80, "https": 443}
    return (a.scheme, a.hostname, a.port or default.get(a.scheme)) == (b.scheme, b.hostname, b.port or default.get(b.scheme))


def _with_params(url: str, params: dict[str, str] | None) -> str:
    if not params:
        return url
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            return value.strip("\"' ")
    return ""


def _retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - now, 0.0)


def _deadline_error() -> FetchError:
    total = float(_setting("SCOUT_FETCH_DEADLINE", 30.0))
    return FetchError(f"no complete answer within the {total:g} s fetch deadline", status="timeout", retryable=True)


def _abort_connection(response: requests.Response) -> None:
    """Wake a read blocked on a trickling peer: shut the socket down under it."""
    # The connection keeps its socket while it may be reused; a response that will close
    # the connection owns it (http.client's file object wraps it).
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is None:
        fp = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


def _read_capped(response: requests.Response, *, deadline: float | None = None) -> bytes:
    """The body, refusing more than SCOUT_MAX_BODY_BYTES (counted after decompression) or past the deadline.

    A read time-out only bounds the wait for the *next* byte: a site sending one byte a
    second never trips it. A timer shuts the connection down when the deadline passes,
    which ends the blocked read at once, and the fetch is a ``timeout``.
    """
    if deadline is None:
        return _read_body(response)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _abort_connection(response)

    timer = threading.Timer(max(deadline - time.monotonic(), 0.0), expire)
    timer.daemon = True
    timer.start()
    try:
        body = _read_body(response)
    except (requests.RequestException, OSError, FetchError):
        if expired.is_set():
            raise _deadline_error() from None
        raise
    finally:
        timer.cancel()
    if expired.is_set():
        raise _deadline_error()
    return body


def _read_body(response: requests.Response) -> bytes:
    cap = int(_setting("SCOUT_MAX_BODY_BYTES", 8 * 1024 * 1024))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap and not response.headers.get("Content-Encoding"):
        raise FetchError(
            f"body of {declared} bytes is larger than the {cap} byte cap", status="http_error", http_status=response.status_code
        )
    chunks = []
    total = 0
    for chunk in response.iter_content(chunk_size=65536):
        total += len(chunk)
        if total > cap:
            raise FetchError(
                f"body larger than the {cap} byte cap (after decompression)", status="http_error", http_status=response.status_code
            )
        chunks.append(chunk)
    return b"".join(chunks)


_clients: dict[str, PoliteClient] = {}
_clients_lock = threading.Lock()


def client_for(marketplace: Any, *, obey_robots_txt: bool = True) -> PoliteClient:
    """The pooled client of a marketplace, rebuilt when its row's policy changes."""
    policy = SitePolicy.for_marketplace(marketplace, obey_robots_txt=obey_robots_txt)
    with _clients_lock:
        client = _clients.get(policy.slug)
        if client is None or client.policy != policy:
            client = PoliteClient(policy)
            _clients[policy.slug] = client
        return client


def clients_reset() -> None:
    """Forget every pooled client (tests; after settings change)."""
    with _clients_lock:
        for client in _clients.values():
            client.session.close()
        _clients.clear()
