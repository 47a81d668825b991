"""A fixed-window request counter in the shared cache: one INCR per hit.

The API's throttles (dealscout/throttles.py) and the web app's buttons that share the
API's budgets (web/throttle.py) count with this one function, so both count the same
way on the same keys. A client may burst up to twice the rate across a window boundary,
never more. Cache errors reach the caller, who decides to fail open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WindowHit:
    allowed: bool
    wait: float  # seconds until the current window ends


def window_slot(key: str, period: int, now: float) -> tuple[str, float]:
    """The counter key of the window ``now`` falls in, and the seconds until that window ends."""
    window = int(now // period)
    return f"{key}:w{window}", (window + 1) * period - now


def fixed_window_hit(*, cache: Any, key: str, limit: int, period: int, now: float | None = None) -> WindowHit:
    """Count one hit on ``key``; allowed while the window's count stays within ``limit``."""
    now = time.time() if now is None else now
    slot, wait = window_slot(key, period, now)
    try:
        count = cache.incr(slot)
    except ValueError:  # the window's first hit
        count = 1 if cache.add(slot, 1, period + 1) else cache.incr(slot)
    return WindowHit(allowed=count <= limit, wait=wait)
