"""The API's "scout" budget for the web app's buttons that make us talk to someone else's
server (run a search now, send a channel a test).

One counter for both: the key is the one the API's scoped throttle uses for a signed-in
person (``throttle_scout_<user id>``), the rate is the API's
(``settings.API_THROTTLE_RATES["scout"]``) and the counting is the same function
(``core.ratelimit.fixed_window_hit``), so a person cannot double the budget by switching
between the API and the pages.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from core.cache import CACHE_ERRORS
from core.ratelimit import fixed_window_hit

logger = logging.getLogger(__name__)

SCOPE = "scout"


def scout_budget_wait(request: Any) -> int | None:
    """None when the person may go on (and counts this use); else the seconds to wait.

    With the cache down the budget cannot be read: the button works, as the API's does.
    """
    rate = settings.API_THROTTLE_RATES.get(SCOPE)
    if not rate:
        return None
    limit, period = SimpleRateThrottle.parse_rate(SimpleRateThrottle, rate)  # type: ignore[arg-type]  # it reads no state
    if limit is None or period is None:
        return None
    key = SimpleRateThrottle.cache_format % {"scope": SCOPE, "ident": request.user.pk}
    try:
        hit = fixed_window_hit(cache=cache, key=key, limit=limit, period=period)
    except CACHE_ERRORS:
        logger.warning("throttle_cache_unavailable", extra={"scope": SCOPE})
        return None
    return None if hit.allowed else max(1, int(hit.wait))
