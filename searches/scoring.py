"""Deal scores: how far below its market value a listing is offered.

The market value of a search is the median of its comparable listings' prices (same
search, same currency, seen recently: the caller picks them), after trimming outliers
with Tukey's fences (outside 1.5 interquartile ranges of the quartiles), so that a few
mislabelled accessories or a "one dollar, read description" do not move it. The median
is robust on its own; the trimming also keeps ``count``, ``low`` and ``high`` honest in
the explanation. With fewer than ``MIN_COMPARABLES`` prices left there is no score,
rather than a made-up one.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_COMPARABLES = 5
_CENT = Decimal("0.01")
_WHOLE = Decimal("1")


@dataclass(frozen=True)
class MarketValue:
    median: Decimal
    count: int  # comparables kept after trimming
    low: Decimal
    high: Decimal
    trimmed: int = 0  # outliers left out


@dataclass(frozen=True)
class DealScore:
    score: Decimal  # percent below market value (negative: above it)
    explanation: str


def _quantile(sorted_values: list[Decimal], q: Decimal) -> Decimal:
    """Linear interpolation between closest ranks (numpy's default), in Decimal."""
    position = (len(sorted_values) - 1) * q
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def market_value(prices: Sequence[Decimal | None]) -> MarketValue | None:
    """The trimmed median of the comparables' prices, or None with too few of them.

    Prices of zero or less are not comparables: "free" and placeholder prices say
    nothing about what the item sells for.
    """
    values = sorted(price for price in prices if price is not None and price > 0)
    if len(values) < MIN_COMPARABLES:
        return None
    q1, q3 = _quantile(values, Decimal("0.25")), _quantile(values, Decimal("0.75"))
    spread = q3 - q1
    low_fence, high_fence = q1 - spread * Decimal("1.5"), q3 + spread * Decimal("1.5")
    kept = [value for value in values if low_fence <= value <= high_fence]
    if len(kept) < MIN_COMPARABLES:
        return None
    median = Decimal(statistics.median(kept)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return MarketValue(median=median, count=len(kept), low=kept[0], high=kept[-1], trimmed=len(values) - len(kept))


def deal_score(price: Decimal | None, market: MarketValue | None, currency: str) -> DealScore | None:
    """Percent below the market value, with the sentence the API shows.

    "23% below the median of 41 comparable listings (120.00 USD)".
    """
    if price is None or price < 0 or market is None or market.median <= 0:
        return None
    percent = ((market.median - price) / market.median * 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    median_text = f"{market.median} {currency}".strip()
    rounded = percent.quantize(_WHOLE, rounding=ROUND_HALF_UP)
    if rounded == 0:
        relation = "At"
    elif percent > 0:
        relation = f"{rounded}% below"
    else:
        relation = f"{-rounded}% above"
    explanation = f"{relation} the median of {market.count} comparable listings ({median_text})"
    return DealScore(score=percent, explanation=explanation)
