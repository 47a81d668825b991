"""Prices in the search's currency: the bounds check of matching and the converted amounts.

A listing keeps its own price and currency; what matching and the market value compare
is that price converted to the search's currency with the ECB reference rates
(listings.money), plus shipping when the search asks for totals (``include_shipping``;
an unknown shipping cost counts as nothing, since most sites leave it out for pickup).
A price in a currency the ECB does not publish cannot be compared: it never passes a
price bound and is no comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from listings.money import Rates


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    currency: str
    rate_date: date | None  # None: no conversion was needed


def converted_amount(
    price: Decimal | None,
    currency: str,
    *,
    to_currency: str,
    rates: Rates,
    shipping: Decimal | None = None,
    include_shipping: bool = False,
) -> Converted | None:
    """The listing's price (or total) in ``to_currency``, or None when it cannot be had."""
    if price is None:
        return None
    total = price + (shipping or Decimal(0)) if include_shipping else price
    if not currency or not to_currency or currency == to_currency:
        return Converted(amount=total, currency=to_currency or currency, rate_date=None)
    amount = rates.convert(total, currency, to_currency)
    if amount is None:
        return None
    return Converted(amount=amount, currency=to_currency, rate_date=rates.rate_date)


def within_bounds(amount: Decimal | None, *, min_price: Decimal | None, max_price: Decimal | None) -> bool:
    """A bound cannot be checked without an amount: no match, rather than a false deal."""
    if min_price is None and max_price is None:
        return True
    if amount is None:
        return False
    if min_price is not None and amount < min_price:
        return False
    return not (max_price is not None and amount > max_price)
