"""Signing in: the one place every password login passes through, with its limits.

Every way in (the API's token login, the browsable API's session login, the admin login,
the web app's login) ends in ``django.contrib.auth.authenticate()``, whose backend
(``accounts.backends.EmailBackend``) calls :func:`login_limits_check` before it looks at
the password and :func:`login_failure_record` / :func:`login_success_record` after. So a
path cannot forget the limits. Callers that want a clear answer (a 429 with
``Retry-After``, a form error) call :func:`login_attempt`, or check the limits themselves
with :func:`login_limits_check` first.

The limits (fixed windows in the shared cache, keys hold hashes, never addresses):

* per client address, across accounts: ``LOGIN_FAILURES_PER_ADDRESS`` failures, then that
  address is refused, even with a right password, until the window ends;
* per account *and* address: ``LOGIN_FAILURES_PER_ACCOUNT`` failures, then that address
  may not try that account again in this window.

There is deliberately no lock of the account as a whole: it would let anyone lock a
person out with a few wrong passwords. The right password from an address that is not
over its own limits always signs in. docs/RUNBOOK.md ("Login limits") gives the trade-off.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.cache import CACHE_ERRORS
from core.clientip import client_ip
from core.errors import DomainError

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong e-mail or password."


class LoginThrottled(PermissionDenied):
    """Too many failed sign-ins from this address (for this account, or at all).

    A PermissionDenied, so that ``authenticate()`` stops at once and answers "no user"
    wherever a backend raises it; :func:`login_attempt` lets it through to its caller.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed logins. Try again later.")
        self.retry_after = retry_after


def request_address(request: HttpRequest | None) -> str:
    return client_ip(request.META) if request is not None else "unknown"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _pair_key(email: str, address: str) -> str:
    return "login-fail:pair:" + _hash(email.strip().lower() + "\x00" + address)


def _address_key(address: str) -> str:
    return "login-fail:address:" + _hash(address)


def _limits(email: str, address: str) -> list[tuple[str, int]]:
    return [(_pair_key(email, address), settings.LOGIN_FAILURES_PER_ACCOUNT), (_address_key(address), settings.LOGIN_FAILURES_PER_ADDRESS)]


def login_limits_check(*, email: str, address: str) -> None:
    """Raise LoginThrottled when this address has used up its failed attempts (for this account or at all).

    With the cache down there is no count to check: logins go on (a warning is logged),
    as the API's throttles do, instead of locking everyone out.
    """
    try:
        for key, limit in _limits(email, address):
            if (cache.get(key) or 0) >= limit:
                started = cache.get(key + ":start") or time.time()
                remaining = int(started + settings.LOGIN_FAILURE_WINDOW_SECONDS - time.time()) + 1
                logger.info("login_throttled")
                raise LoginThrottled(retry_after=max(1, remaining))
    except CACHE_ERRORS:
        logger.warning("login_limits_cache_unavailable")


def login_failure_record(*, email: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    logger.info("login_failed")
    try:
        for key, _ in _limits(email, address):
            if cache.add(key, 0, timeout=window):
                cache.set(key + ":start", time.time(), timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
    except CACHE_ERRORS:
        logger.warning("login_limits_cache_unavailable")


def login_success_record(*, user: Any, email: str, address: str) -> None:
    """A good password clears this address's failures on this account (not the address's own count)."""
    from accounts.models import ActivityLog

    key = _pair_key(email, address)
    try:
        cache.delete_many([key, key + ":start"])
    except CACHE_ERRORS:
        logger.warning("login_limits_cache_unavailable")
    ActivityLog.objects.create(user=user, action="logged_in", object_type="user", object_id=str(user.pk))


def login_attempt(*, request: HttpRequest | None, email: str, password: str) -> Any:
    """The user for this e-mail and password, or an exception a caller can show.

    Raises LoginThrottled (``retry_after`` seconds) when this address is over its limits,
    and DomainError(code="invalid_credentials") for a wrong e-mail or password. Does not
    start a session or make a token: the caller does what its channel needs
    (``django.contrib.auth.login`` for the web app, a token for the API).
    """
    email = email.strip().lower()
    login_limits_check(email=email, address=request_address(request))
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise DomainError(WRONG_CREDENTIALS, code="invalid_credentials")
    return user
