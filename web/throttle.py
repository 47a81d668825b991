"""The API's "scout" budget for the web app's buttons that make us talk to someone else's
server (run a search now, send a channel a test).

One counter for both: the key is the one DRF's ScopedRateThrottle uses for the API's
``scout`` scope (``throttle_scout_<user id>``) and the rate is the API's
(``settings.API_THROTTLE_RATES["scout"]``), so a person cannot double the budget by
switching between the API and the pages.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.cache import CACHE_ERRORS

logger = logging.getLogger(__name__)


class _ScoutBudget(SimpleRateThrottle):
    scope = "scout"
    cache_format = "throttle_%(scope)s_%(ident)s"  # ScopedRateThrottle's, for a signed-in user

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def scout_budget_wait(request: Any) -> int | None:
    """None when the person may go on (and counts this use); else the seconds to wait.

    With the cache down the budget cannot be read: the button works, as the API's does.
    """
    budget = _ScoutBudget()
    try:
        if budget.allow_request(request, None):  # type: ignore[arg-type]  # no view: the scope is fixed
            return None
    except CACHE_ERRORS:
        logger.warning("throttle_cache_unavailable", extra={"scope": "scout"})
        return None
    return max(1, int(budget.wait() or 1))
