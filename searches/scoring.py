"""Deal scores: how far below its market value a listing is offered.

The market value of a search is the median of its comparable listings' prices (same
search, same currency, seen recently), after trimming outliers with Tukey's fences so
that a few mislabelled accessories or a "one dollar, read description" do not move it.
With too few comparables there is no score, rather than a made-up one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_COMPARABLES = 5


@dataclass(frozen=True)
class MarketValue:
    median: Decimal
    count: int
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class DealScore:
    score: Decimal  # percent below market value (negative: above it)
    explanation: str


def _quantile(sorted_values: list[Decimal], q: float) -> Decimal:
    position = (len(sorted_values) - 1) * Decimal(str(q))
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def market_value(prices: list[Decimal]) -> MarketValue | None:
    values = sorted(price for price in prices if price is not None and price > 0)
    if len(values) < MIN_COMPARABLES:
        return None
    q1, q3 = _quantile(values, 0.25), _quantile(values, 0.75)
    spread = q3 - q1
    low_fence, high_fence = q1 - spread * Decimal("1.5"), q3 + spread * Decimal("1.5")
    kept = [value for value in values if low_fence <= value <= high_fence]
    if len(kept) < MIN_COMPARABLES:
        return None
    return MarketValue(median=Decimal(statistics.median(kept)), count=len(kept), low=kept[0], high=kept[-1])


def deal_score(price: Decimal | None, market: MarketValue | None, currency: str) -> DealScore | None:
    if price is None or market is None or market.median <= 0:
        return None
    percent = ((market.median - price) / market.median * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    median_text = f"{market.median.quantize(Decimal('0.01'))} {currency}".strip()
    if percent >= 0:
        relation = f"{percent.quantize(Decimal('1'))}% below"
    else:
        relation = f"{(-percent).quantize(Decimal('1'))}% above"
    explanation = f"{relation} the median of {market.count} comparable listings ({median_text})"
    return DealScore(score=percent, explanation=explanation)
