"""Small template helpers of the web app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def subtract(value: float | Decimal, other: float | Decimal) -> float:
    return round(float(value) - float(other), 1)


@register.simple_tag
def converted_price(listing: Any, search: Any) -> str:
    """The listing's price in its search's currency where that differs (with shipping when the
    search asks for totals), by the conversion the API shows (engineer "geo"'s
    searches.money.converted_amount with listings.money.current_rates); empty where there is
    nothing to add, or before that conversion exists on this branch."""
    try:
        from listings.money import current_rates  # type: ignore[import-not-found,unused-ignore]
        from searches.money import converted_amount  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return ""
    include_shipping = bool(getattr(search, "include_shipping", False))
    if listing.price is None or (listing.currency == search.currency and not include_shipping):
        return ""
    converted = converted_amount(
        listing.price,
        listing.currency,
        to_currency=search.currency,
        rates=current_rates(),
        shipping=listing.shipping,
        include_shipping=include_shipping,
    )
    if converted is None:
        return ""
    return f"{converted.amount} {converted.currency}" + (" with shipping" if include_shipping else "")
