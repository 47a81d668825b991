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
def converted_price(listing: Any) -> str:
    """The price in the viewer's currency where it differs from the listing's, once
    currency conversion exists (engineer "geo"); empty until then."""
    converted = getattr(listing, "converted_price", None)
    currency = getattr(listing, "converted_currency", "")
    if converted is None or not currency or currency == listing.currency:
        return ""
    return f"{converted} {currency}"
