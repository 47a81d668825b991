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
from typing import Any

from django.conf import settings
from django.core.cache import cache

from core.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(getattr(settings, "API_VIEW_CACHE_SECONDS", 0)) and hasattr(cache, "client") and hasattr(cache.client, "get_client")


def _key(user_id: int) -> str:
    return cache.make_key(f"user-views:{user_id}")


def _redis() -> Any:
    return cache.client.get_client(write=True)  # type: ignore[attr-defined]


def user_view_get(user_id: int, field: str) -> bytes | None:
    """The cached body of one answer, or None (missing, expired or the cache is down)."""
    try:
        value = _redis().hget(_key(user_id), field)
    except CACHE_ERRORS:
        logger.warning("view_cache_unavailable", extra={"operation": "get"})
        return None
    if value is None:
        return None
    expires, _, body = value.partition(b" ")
    return body if float(expires) > time.time() else None


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
