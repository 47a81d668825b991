"""The one check every ``ListingData`` passes before it is stored.

Agents read hostile and broken pages; the database must never see what it cannot
hold. ``listing_data_check`` returns either a listing that fits every column of
``Listing`` (cleaned) or a ``Rejection`` saying why the row is dropped:

- A bad *row* is dropped and counted in the run (``ScrapeRun.rows_rejected``): no
  external id, no http(s) URL or one longer than its column, no title, a price that is
  negative, not finite or beyond the column's digits, a price in a currency that is no
  ISO 4217 code. A listing with a wrong price is worse than none: it would match
  searches it should not and write a false price history.
- A bad *field* is dropped where the listing stays useful: shipping out of range, an
  image URL that is no http(s) URL, an unknown condition, a naive ``posted_at``. Long
  titles, locations and sellers are cut at their column; an external id longer than its
  column is replaced by a digest of it (stable, so the item keeps its row).
- Text loses NUL bytes and control characters (PostgreSQL refuses NUL in text and
  jsonb); ``raw`` becomes JSON that jsonb accepts (NaN and infinities become null).

Limits come from the model's own fields, so a migration that widens a column widens
the check. Currencies: the active ISO 4217 codes from ``pycountry`` (Debian's
iso-codes data, updated with each release), minus the codes that name no money a
listing is priced in (test, "no currency", precious metals, SDR units).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from listings.agents.base import ListingData

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_NUL = "\x00"
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"})
RAW_MAX_CHARS = 32_000
RAW_MAX_DEPTH = 20


@dataclass(frozen=True)
class Rejection:
    """A listing that will not be stored, and why (shown on the run for the operator)."""

    external_id: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"external_id": self.external_id[:80], "reason": self.reason}


@dataclass(frozen=True)
class _Limits:
    external_id: int
    url: int
    title: int
    location: int
    image_url: int
    seller: int
    currency: int
    max_amount: Decimal
    places: int
    conditions: frozenset[str]


@functools.cache
def _limits() -> _Limits:
    from listings.models import Listing  # the models need the app registry; the check runs after it

    def length(name: str) -> int:
        return int(getattr(Listing._meta.get_field(name), "max_length", 0) or 0)

    price = Listing._meta.get_field("price")
    shipping = Listing._meta.get_field("shipping")
    places = int(getattr(price, "decimal_places", 2))
    # One range for both money columns: the narrower of the two.
    digits = min(int(getattr(price, "max_digits", 12)), int(getattr(shipping, "max_digits", 12)))
    choices = getattr(Listing._meta.get_field("condition"), "choices", None) or []
    return _Limits(
        external_id=length("external_id"),
        url=length("url"),
        title=length("title"),
        location=length("location"),
        image_url=length("image_url"),
        seller=length("seller"),
        currency=length("currency"),
        max_amount=Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places),
        places=places,
        conditions=frozenset(str(value) for value, _label in choices),
    )


@functools.cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes a price can be in."""
    import pycountry

    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - _NOT_MONEY


def clean_text(value: object, *, max_length: int | None = None) -> str:
    """Text without NUL bytes or control characters, whitespace folded, cut at ``max_length``."""
    text = "" if value is None else str(value)
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:max_length] if max_length is not None else text


def money_check(value: Decimal | None) -> tuple[Decimal | None, str]:
    """The amount rounded to the column's places, or a reason it cannot be stored."""
    if value is None:
        return None, ""
    limits = _limits()
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None, f"not a number: {str(value)[:40]!r}"
    if not value.is_finite():
        return None, f"not a finite amount: {value}"
    if value < 0:
        return None, f"negative amount: {value}"
    try:
        rounded = value.quantize(Decimal(1).scaleb(-limits.places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None, f"amount beyond the column's range: {value:.3e}"
    if rounded > limits.max_amount:
        return None, f"amount beyond the column's range (max {limits.max_amount}): {value:.3e}"
    return rounded, ""


def _http_url(value: str, max_length: int) -> tuple[str, str]:
    url = clean_text(value)
    if not url:
        return "", "no URL"
    if not url.lower().startswith(("http://", "https://")):
        return "", f"not an http(s) URL: {url[:60]!r}"
    if len(url) > max_length:
        return "", f"URL longer than {max_length} characters"
    return url, ""


def json_safe(value: Any, *, depth: int = 0) -> Any:
    """A copy of ``value`` that PostgreSQL's jsonb accepts: finite numbers, no NUL, str keys."""
    if depth > RAW_MAX_DEPTH:
        return None
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    if isinstance(value, str):
        return value.replace(_NUL, "")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key).replace(_NUL, ""): json_safe(item, depth=depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item, depth=depth + 1) for item in value]
    return str(value).replace(_NUL, "")


def _raw(value: Any) -> dict[str, Any]:
    safe = json_safe(value if isinstance(value, dict) else {"value": value})
    text = json.dumps(safe, ensure_ascii=False, allow_nan=False)
    if len(text) > RAW_MAX_CHARS:
        return {"truncated": True, "chars": len(text)}
    return safe


def listing_data_check(item: ListingData) -> ListingData | Rejection:
    """A copy of ``item`` that every column of ``Listing`` accepts, or why it is dropped."""
    limits = _limits()
    external_id = clean_text(item.external_id)
    if not external_id:
        return Rejection("", "no external id")
    if len(external_id) > limits.external_id:
        external_id = "sha1:" + hashlib.sha1(external_id.encode(), usedforsecurity=False).hexdigest()
    url, problem = _http_url(item.url, limits.url)
    if problem:
        return Rejection(external_id, problem)
    title = clean_text(item.title, max_length=limits.title)
    if not title:
        return Rejection(external_id, "no title")
    price, problem = money_check(item.price)
    if problem:
        return Rejection(external_id, f"price: {problem}")
    currency = clean_text(item.currency).upper()
    if currency not in known_currencies():
        if price is not None:
            return Rejection(external_id, f"price in an unknown currency {currency[:10]!r}")
        currency = ""
    shipping, _problem = money_check(item.shipping)  # a bad shipping amount drops the field only
    image_url, _problem = _http_url(item.image_url, limits.image_url) if item.image_url else ("", "")
    posted_at = item.posted_at if isinstance(item.posted_at, datetime) and item.posted_at.tzinfo is not None else None
    return replace(
        item,
        external_id=external_id,
        url=url,
        title=title,
        price=price,
        currency=currency[: limits.currency],
        condition=item.condition if item.condition in limits.conditions else "unknown",
        location=clean_text(item.location, max_length=limits.location),
        image_url=image_url,
        seller=clean_text(item.seller, max_length=limits.seller),
        shipping=shipping,
        posted_at=posted_at,
        raw=_raw(item.raw),
    )


@dataclass
class CheckedListings:
    accepted: list[ListingData]
    rejected: list[Rejection]


def listings_check(items: list[ListingData]) -> CheckedListings:
    """Every item through ``listing_data_check``, split into what is stored and what is not."""
    result = CheckedListings(accepted=[], rejected=[])
    for item in items:
        checked = listing_data_check(item)
        if isinstance(checked, Rejection):
            result.rejected.append(checked)
        else:
            result.accepted.append(checked)
    return result
