"""django-q2 entry points of the listings app (schedules: dealscout/schedules.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def refresh_exchange_rates() -> dict[str, Any]:
    from listings.money import exchange_rates_refresh

    result = exchange_rates_refresh()
    return {"ok": result.ok, "currencies": result.currencies, "rate_date": str(result.rate_date), "error": result.error}


def mark_probably_sold() -> int:
    from listings.sold import listings_mark_probably_sold

    return listings_mark_probably_sold(now=timezone.now())
