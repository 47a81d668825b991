"""Per-user cached API answers (the dashboard, pages of matched listings).

Each user's answers live in one Redis hash (field: which answer, value: its expiry and
body), so that one DEL forgets all of them whatever their query strings, and reading one
is one round trip. Whatever writes what an answer is built from calls
``user_views_forget`` for the users concerned: the signal receivers in
dealscout.cache_signals (searches, matches, alerts saved or deleted), the scout after its
bulk writes, the alert read-all. ``API_VIEW_CACHE_SECONDS`` bounds the rest.

Kept in the leaf so that the apps whose writes change an answer can forget it without
importing the project package that builds it. Only with Redis: on the embedded default
the cache is the database, and a cached answer would cost about what it saves
(``API_VIEW_CACHE_SECONDS`` is 0 there).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.module_loading import import_string

from core.cache import CACHE_ERRORS
from core.ratelimit import window_slot

logger = logging.getLogger(__name__)


def on_redis() -> bool:
    # Asked several times a request: the backend's class, looked up once per setting, not
    # the per-thread cache object through its proxy each time (bench/api.py --profile).
    return _is_redis_backend(str(settings.CACHES["default"]["BACKEND"]))


@lru_cache(maxsize=8)
def _is_redis_backend(backend: str) -> bool:
    from django_redis.cache import RedisCache

    backend_class = import_string(backend)
    return isinstance(backend_class, type) and issubclass(backend_class, RedisCache)


def enabled() -> bool:
    return bool(getattr(settings, "API_VIEW_CACHE_SECONDS", 0)) and on_redis()


def _key(user_id: int) -> str:
    return cache.make_key(f"user-views:{user_id}")


def _redis() -> Any:
    return cache.client.get_client(write=True)  # type: ignore[attr-defined]


def _fresh(value: bytes | None) -> bytes | None:
    if value is None:
        return None
    expires, _, body = value.partition(b" ")
    return body if float(expires) > time.time() else None


# Where token_count_and_answer leaves the answer it read for the view (an attribute of the request).
PREFETCHED = "_user_view_prefetched"


def user_view_get(user_id: int, field: str, *, request: Any = None) -> bytes | None:
    """The cached body of one answer, or None (missing, expired or the cache is down).

    When the token's round trip has already read it for this request
    (token_count_and_answer), that answer is used and Redis is not asked again.
    """
    prefetched = getattr(request, PREFETCHED, None)
    if prefetched is not None and prefetched[0] == field:
        return prefetched[1]
    try:
        value = _redis().hget(_key(user_id), field)
    except CACHE_ERRORS:
        logger.warning("view_cache_unavailable", extra={"operation": "get"})
        return None
    return _fresh(value)


# Where token_count_and_answer leaves the user throttle's hit: (the throttle's key, the
# window's count, the seconds left in the window), for dealscout.throttles.
COUNTED = "_user_throttle_counted"

# The token's cache entry, and only when there is one (a token still known), a hit on the
# throttle counter and the read of the user's cached answer: an unknown or revoked token
# never counts against the user it belonged to. Every key is passed in KEYS.
_LUA_READ_FOR_REQUEST = """
local token = redis.call('GET', KEYS[1])
if not token then return {false, 0, false} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local answer = false
if ARGV[2] ~= '' then answer = redis.call('HGET', KEYS[3], ARGV[2]) end
return {token, count, answer}
"""
_scripts: dict[int, Any] = {}


def token_count_and_answer(*, token_key: str, throttle_key: str, period: int, user_id: int, field: str | None, request: Any) -> Any | None:
    """The token's cache entry (decoded), with the user throttle's hit and the user's cached
    answer, in one round trip; None when the token has no entry (nothing is counted then).

    ``user_id`` is whose the token is, known from an earlier request (a token never
    changes hands); the caller checks the entry says the same. ``throttle_key`` and
    ``period`` name the user throttle's fixed window (core.ratelimit). The count is left on
    ``request`` for the throttle (COUNTED), the answer for user_view_get (PREFETCHED).
    Without this an authenticated request with a cached answer costs three round trips
    (bench/api.py --profile). Cache errors reach the caller.
    """
    client = _redis()
    script = _scripts.get(id(client))
    if script is None:
        # Loaded now, once a process, so that each call is one EVALSHA (redis-py loads it
        # again by itself if Redis forgot it: a restart, SCRIPT FLUSH).
        script = client.register_script(_LUA_READ_FOR_REQUEST)
        client.script_load(_LUA_READ_FOR_REQUEST)
        _scripts[id(client)] = script
    slot, wait = window_slot(throttle_key, period, time.time())
    token, count, answer = script(keys=[cache.make_key(token_key), cache.make_key(slot), _key(user_id)], args=[period + 1, field or ""])
    if token is None:
        return None
    setattr(request, COUNTED, (throttle_key, int(count), wait))
    if field:
        setattr(request, PREFETCHED, (field, _fresh(answer)))
    return cache.client.decode(token)  # type: ignore[attr-defined]


def forget_prefetched(request: Any) -> None:
    """Drop what token_count_and_answer left on ``request``."""
    for name in (COUNTED, PREFETCHED):
        if hasattr(request, name):
            delattr(request, name)


def as_response(request: Any, body: bytes) -> HttpResponse | None:
    """A cached body as the response itself, when the client takes the API's compact JSON:
    stored as the renderer writes it (core.jsonbody.api_json), so decoding a page of rows
    to encode it again would only cost time. None for other renderings (the browsable API,
    ``indent=``): the caller decodes the body and renders it."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or renderer.format != "json" or getattr(request, "accepted_media_type", None) != renderer.media_type:
        return None
    return HttpResponse(body, content_type=renderer.media_type)


def user_view_set(user_id: int, field: str, body: bytes) -> None:
    timeout = settings.API_VIEW_CACHE_SECONDS
    key = _key(user_id)
    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.hset(key, field, f"{time.time() + timeout:.3f} ".encode() + body)
        # The hash outlives its newest field by the time-out; each field carries its own expiry.
        pipe.expire(key, timeout)
        pipe.execute()
    except CACHE_ERRORS:
        logger.warning("view_cache_unavailable", extra={"operation": "set"})


def user_views_forget(user_ids: Iterable[int | None]) -> None:
    """Drop every cached answer of these users (a no-op when view caching is off)."""
    if not enabled():
        return
    keys = [_key(uid) for uid in set(user_ids) if uid is not None]
    if not keys:
        return
    try:
        _redis().delete(*keys)
    except CACHE_ERRORS:
        # The entries expire on their own within API_VIEW_CACHE_SECONDS.
        logger.warning("view_cache_unavailable", extra={"operation": "forget"})
