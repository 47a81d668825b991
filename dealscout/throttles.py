"""Throttles whose rates come from settings.API_THROTTLE_RATES at request time.

DRF copies its rates when rest_framework.throttling is imported, so a changed setting
would never reach it; reading them per request lets tests and the benchmark set a rate.
Kept apart from dealscout.api because DRF imports these classes while it builds APIView.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core.cache import CACHE_ERRORS
from core.clientip import client_ip

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
            return super().allow_request(request, view)  # type: ignore[misc]
        except CACHE_ERRORS:
            logger.warning("throttle_cache_unavailable", extra={"scope": self.scope})
            return True


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    pass


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    pass
