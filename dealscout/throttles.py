"""Throttles whose rates come from settings.API_THROTTLE_RATES at request time.

DRF copies its rates when rest_framework.throttling is imported, so a changed setting
would never reach it; reading them per request lets tests and the benchmark set a rate.
Kept apart from dealscout.api because DRF imports these classes while it builds APIView.

Counting is a fixed window in the shared cache: one INCR per request and throttle that
applies (the first request of a window adds the key), where DRF's sliding window reads
and writes back the list of every request's time stamp (two round trips, and a value
that grows with the rate). A client may burst up to twice the rate across a window
boundary, never more; Retry-After says when the current window ends. Once a process knows
whose a token is, the user throttle's hit is counted in the token's own round trip
(dealscout.authentication, core.usercache.token_count_and_answer) on the same counter.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core import usercache
from core.cache import CACHE_ERRORS
from core.clientip import client_ip
from core.ratelimit import fixed_window_hit

logger = logging.getLogger(__name__)


class _RatesFromSettings:
    scope: str | None

    def get_ident(self, request: Any) -> str:
        # The address our proxy chain vouches for (NUM_PROXIES), not a forged header.
        return client_ip(request.META)

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope) if self.scope else None

    def allow_request(self, request: Any, view: Any) -> bool:
        # Fail open: with the cache down the API keeps answering, unthrottled, rather than
        # turning a cache outage into an API outage. The warning makes the outage visible.
        try:
            return self._count(request, view)
        except CACHE_ERRORS:
            logger.warning("throttle_cache_unavailable", extra={"scope": self.scope})
            return True

    def _count(self, request: Any, view: Any) -> bool:
        throttle: Any = self
        if not self._prepare(view) or throttle.rate is None:
            return True
        ident = throttle.get_cache_key(request, view)
        if ident is None:
            return True
        counted = getattr(request, usercache.COUNTED, None)
        if counted is not None and counted[0] == ident:
            # Already counted, in the token's round trip (dealscout.authentication).
            self._wait = counted[2]
            return counted[1] <= throttle.num_requests
        hit = fixed_window_hit(cache=throttle.cache, key=ident, limit=throttle.num_requests, period=throttle.duration)
        self._wait = hit.wait
        return hit.allowed

    def _prepare(self, view: Any) -> bool:
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    @classmethod
    def window_for(cls, view: Any, user_id: int) -> tuple[str, int] | None:
        """The user throttle's counter key and window (seconds) for ``user_id`` on ``view``,
        or None when the view has no user throttle: what the token's round trip counts on."""
        for throttle_class in getattr(view, "throttle_classes", ()):
            if isinstance(throttle_class, type) and issubclass(throttle_class, cls):
                throttle: Any = throttle_class()
                if throttle.rate is None:
                    return None
                return throttle.cache_format % {"scope": throttle.scope, "ident": user_id}, throttle.duration
        return None


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    def _prepare(self, view: Any) -> bool:
        # What ScopedRateThrottle.allow_request does first: the scope comes from the view.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return False
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True
