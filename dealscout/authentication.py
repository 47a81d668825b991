"""Token authentication: knox, minus its database round trips on most requests.

knox's TokenAuthentication also loads every other token of the user on each request to
delete the expired ones (``_cleanup_token``). That is housekeeping, not a check: the
token presented is still refused once expired (and deleted then). Skipping the sweep
saves a database round trip on every authenticated API request (bench/api.py).

The token lookup itself (token row joined to its user) is then kept in the shared cache
for ``API_TOKEN_CACHE_SECONDS`` (60 s with Redis; off on the embedded default, where the
cache is the database and a hit would cost what it saves). The key is knox's digest of
the token (a SHA-512, as stored in the database), never the token. The cached user
carries no password hash. A deleted token (logout, password change, erase) and a saved
user (deactivated, deletion requested) drop their entries at once through signals; an
expired token is refused from the cache too. Rows removed behind the ORM's back (raw
SQL) are forgotten within the time-out.

Once a process has seen a token, it knows whose it is (a token never changes hands), and
the token's cache entry is read in the same round trip as the user throttle's count and,
on views that keep answers per user, the cached answer (core.usercache.token_count_and_answer):
one Redis round trip for a cached page instead of three (bench/api.py --profile).
"""

from __future__ import annotations

import binascii
import copy
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework import exceptions

from core import usercache
from core.cache import CACHE_ERRORS
from dealscout.throttles import UserThrottle

logger = logging.getLogger(__name__)


def token_cache_key(digest: str) -> str:
    return f"api-token:{digest}"


def _cacheable(auth_token: AuthToken) -> AuthToken:
    """A copy whose user has no password hash loaded (a deferred field, so a save() of it
    could never write an empty password)."""
    cached = copy.copy(auth_token)
    user = copy.copy(auth_token.user)
    user.__dict__.pop("password", None)
    user._state = copy.copy(user._state)
    user._state.fields_cache = {}
    cached._state = copy.copy(auth_token._state)
    cached._state.fields_cache = {"user": user}
    return cached


def token_cache_forget(digests: list[str]) -> None:
    if not digests or not settings.API_TOKEN_CACHE_SECONDS:
        return
    try:
        cache.delete_many([token_cache_key(d) for d in digests])
    except CACHE_ERRORS:
        # Nothing to do but say so: the entry expires within API_TOKEN_CACHE_SECONDS.
        logger.warning("token_cache_unavailable", extra={"operation": "forget"})


# Whose each token is (digest to user id), per process: set after a token authenticates,
# never wrong (a token belongs to one user for its life), so it is never invalidated; the
# token's validity is still checked in Redis on every request. Emptied when full.
_OWNERS: dict[str, int] = {}
_OWNERS_MAX = 20_000


def _remember_owner(digest: str, user_id: int) -> None:
    if len(_OWNERS) >= _OWNERS_MAX:
        _OWNERS.clear()
    _OWNERS[digest] = user_id


class TokenAuthentication(KnoxTokenAuthentication):
    # DRF makes one authenticator per request, so the request can wait here for
    # authenticate_credentials, which knox calls with the token alone.
    _request: Any = None

    def authenticate(self, request: Any) -> tuple[Any, AuthToken] | None:
        self._request = request
        return super().authenticate(request)

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        timeout = settings.API_TOKEN_CACHE_SECONDS
        if not timeout:
            return super().authenticate_credentials(token)
        try:
            digest = hash_token(token.decode("utf-8"))
        except (TypeError, ValueError, binascii.Error):
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        key = token_cache_key(digest)
        try:
            cached = self._cached_token(key, digest)
        except CACHE_ERRORS:
            logger.warning("token_cache_unavailable", extra={"operation": "get"})
            return super().authenticate_credentials(token)
        if cached is not None and (cached.expiry is None or cached.expiry >= timezone.now()):
            user, auth_token = self.validate_user(cached)
            _remember_owner(digest, user.pk)
            return user, auth_token
        user, auth_token = super().authenticate_credentials(token)
        _remember_owner(digest, user.pk)
        try:
            cache.set(key, _cacheable(auth_token), timeout)
        except CACHE_ERRORS:
            logger.warning("token_cache_unavailable", extra={"operation": "set"})
        return user, auth_token

    def _cached_token(self, key: str, digest: str) -> AuthToken | None:
        """The token's cache entry; when the token's owner is known, read along with the
        user throttle's count and the view's cached answer (one round trip)."""
        request = self._request
        owner = _OWNERS.get(digest)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if owner is None or view is None or not usercache.on_redis():
            return cache.get(key)
        window = UserThrottle.window_for(view, owner)
        if window is None:
            return cache.get(key)
        # user_view_field reads only the request's method, path and host, never request.user.
        name_field = getattr(view, "user_view_field", None)
        field = name_field(request) if name_field is not None and usercache.enabled() else None
        cached = usercache.token_count_and_answer(
            token_key=key, throttle_key=window[0], period=window[1], user_id=owner, field=field, request=request
        )
        if cached is not None and cached.user_id != owner:  # cannot happen: a token keeps its user
            usercache.forget_prefetched(request)
        return cached

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """How drf-spectacular documents this class (its knox extension matches only knox's own)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Token <token>" (see POST /api/v1/auth/login).',
        }
