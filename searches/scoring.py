"""Deal scores: how far below its market value a listing is offered.

The market value of a listing is the median of its comparables' prices (the caller
picks them: the search's other matches seen recently, in the same condition class, not
accessories, converted to the search's currency; see ``comparable_to``), after trimming outliers
with Tukey's fences (outside 1.5 interquartile ranges of the quartiles), so that a few
mislabelled accessories or a "one dollar, read description" do not move it. The median
is robust on its own; the trimming also keeps ``count``, ``low`` and ``high`` honest in
the explanation. With fewer than ``MIN_COMPARABLES`` prices left there is no score,
rather than a made-up one.

Sold-price estimates (listings that vanished within days: listings.sold) weigh
``SOLD_WEIGHT`` times an asking price in the median: what an item sold for says more
about its value than what someone hopes to get.

Every market value carries its confidence: ``high`` with at least ``HIGH_COUNT``
comparables whose interquartile range is at most a quarter of the median, ``medium``
with at least ``MIN_COMPARABLES`` and an IQR at most half the median, ``low`` otherwise.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_COMPARABLES = 5
HIGH_COUNT = 10
SOLD_WEIGHT = 2
HIGH_SPREAD = Decimal("0.25")
MEDIUM_SPREAD = Decimal("0.5")
_CENT = Decimal("0.01")
_WHOLE = Decimal("1")


@dataclass(frozen=True)
class MarketValue:
    median: Decimal
    count: int  # comparables kept after trimming
    low: Decimal
    high: Decimal
    trimmed: int = 0  # outliers left out
    sold: int = 0  # of ``count``, sold-price estimates
    spread: Decimal = Decimal(0)  # interquartile range / median of the kept prices
    confidence: str = "low"  # high, medium or low (see the module's docstring)


@dataclass(frozen=True)
class Comparable:
    """A comparable's price in the search's currency; ``sold``: a sold-price estimate."""

    price: Decimal
    sold: bool = False


# Condition classes for comparables: a used camera is no comparable of a new one, and
# parts are comparables of nothing else. Unknown conditions compare with new and used.
_CONDITION_CLASS = {"new": "new", "used": "used", "refurbished": "used", "for_parts": "parts"}


def condition_class(condition: str) -> str:
    return _CONDITION_CLASS.get(condition or "", "unknown")


def conditions_compare(a: str, b: str) -> bool:
    first, second = condition_class(a), condition_class(b)
    if first == second:
        return True
    if "parts" in (first, second):
        return False
    return "unknown" in (first, second)


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


def market_value(prices: Sequence[Decimal | None] | Sequence[Comparable]) -> MarketValue | None:
    """The trimmed (weighted) median of the comparables' prices, or None with too few of them.

    Prices of zero or less are not comparables: "free" and placeholder prices say
    nothing about what the item sells for.
    """
    items = _comparables(prices)
    if len(items) < MIN_COMPARABLES:
        return None
    values = [item.price for item in items]
    q1, q3 = _quantile(values, Decimal("0.25")), _quantile(values, Decimal("0.75"))
    spread = q3 - q1
    low_fence, high_fence = q1 - spread * Decimal("1.5"), q3 + spread * Decimal("1.5")
    kept = [item for item in items if low_fence <= item.price <= high_fence]
    if len(kept) < MIN_COMPARABLES:
        return None
    median = _weighted_median(kept).quantize(_CENT, rounding=ROUND_HALF_UP)
    kept_values = [item.price for item in kept]
    iqr = _quantile(kept_values, Decimal("0.75")) - _quantile(kept_values, Decimal("0.25"))
    dispersion = (iqr / median).quantize(_CENT) if median > 0 else Decimal(0)
    if len(kept) >= HIGH_COUNT and dispersion <= HIGH_SPREAD:
        confidence = "high"
    elif dispersion <= MEDIUM_SPREAD:
        confidence = "medium"
    else:
        confidence = "low"
    return MarketValue(
        median=median,
        count=len(kept),
        low=kept_values[0],
        high=kept_values[-1],
        trimmed=len(items) - len(kept),
        sold=sum(1 for item in kept if item.sold),
        spread=dispersion,
        confidence=confidence,
    )


def _comparables(prices: Sequence[Decimal | None] | Sequence[Comparable]) -> list[Comparable]:
    items = [item if isinstance(item, Comparable) else Comparable(price=item) for item in prices if item is not None]
    return sorted((item for item in items if item.price > 0), key=lambda item: item.price)


def _weighted_median(items: list[Comparable]) -> Decimal:
    """The median with sold estimates counted SOLD_WEIGHT times (items sorted by price)."""
    if not any(item.sold for item in items):
        return Decimal(statistics.median(item.price for item in items))
    expanded = [item.price for item in items for _ in range(SOLD_WEIGHT if item.sold else 1)]
    return Decimal(statistics.median(expanded))


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
    sold = f", {market.sold} probably sold" if market.sold else ""
    explanation = f"{relation} the median of {market.count} comparable listings{sold} ({median_text}), confidence {market.confidence}"
    return DealScore(score=percent, explanation=explanation)
