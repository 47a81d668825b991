"""Throttles whose rates come from settings.API_THROTTLE_RATES at request time.

DRF copies its rates when rest_framework.throttling is imported, so a changed setting
would never reach it; reading them per request lets tests and the benchmark set a rate.
Kept apart from dealscout.api because DRF imports these classes while it builds APIView.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _RatesFromSettings:
    scope: str | None

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    pass


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    pass


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    pass
