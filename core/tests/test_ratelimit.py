"""The fixed-window counter the API's throttles and the web app's buttons share."""

from __future__ import annotations

from django.core.cache import cache

from core.ratelimit import fixed_window_hit


def test_hits_are_allowed_up_to_the_limit_then_wait_for_the_next_window(db):
    cache.clear()
    hits = [fixed_window_hit(cache=cache, key="t", limit=2, period=60, now=120.0 + i) for i in range(3)]
    assert [hit.allowed for hit in hits] == [True, True, False]
    assert hits[-1].wait == 58.0
    assert fixed_window_hit(cache=cache, key="t", limit=2, period=60, now=180.0).allowed  # a new window
