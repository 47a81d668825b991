"""Does a listing satisfy a search? Plain functions of plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from listings.money import Rates, current_rates
from searches import geo, money

_TOKEN = re.compile(r"[\w]+(?:[.'-][\w]+)*", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [token.casefold() for token in _TOKEN.findall(text or "")]


def split_query(query: str) -> tuple[list[str], list[str]]:
    """Split "fuji x100v -broken" into required terms and terms written with a minus."""
    required, excluded = [], []
    for word in (query or "").split():
        if word.startswith("-") and len(word) > 1:
            excluded.extend(tokens(word[1:]))
        else:
            required.extend(tokens(word))
    return required, excluded


def normalized_query(query: str) -> str:
    """The form of a query that a marketplace is asked: required terms, lower case, in order."""
    required, _ = split_query(query)
    return " ".join(required)


@dataclass(frozen=True)
class MatchRules:
    required: tuple[str, ...]
    excluded: tuple[str, ...]
    min_price: Decimal | None
    max_price: Decimal | None
    currency: str
    condition: str  # "any" or a listings.Condition value
    place: geo.PlaceRule | None = None  # None: place does not filter (searches.geo)
    rates: Rates | None = None  # None: only prices in the search's own currency compare
    include_shipping: bool = False


_NO_RATES = Rates(per_eur={}, rate_date=None)


def rules_for(search: Any, *, rates: Rates | None = None) -> MatchRules:
    required, excluded = split_query(search.query)  # type: ignore[attr-defined]
    for term in search.excluded_terms or []:  # type: ignore[attr-defined]
        excluded.extend(tokens(term))
    return MatchRules(
        required=tuple(required),
        excluded=tuple(excluded),
        min_price=search.min_price,  # type: ignore[attr-defined]
        max_price=search.max_price,  # type: ignore[attr-defined]
        currency=search.currency,  # type: ignore[attr-defined]
        condition=search.condition,  # type: ignore[attr-defined]
        place=geo.place_rule_for(search),
        rates=rates or current_rates(),
        include_shipping=bool(getattr(search, "include_shipping", False)),
    )


def listing_matches(
    rules: MatchRules,
    *,
    title: str,
    price: Decimal | None,
    currency: str,
    condition: str,
    shipping: Decimal | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    country: str = "",
) -> bool:
    """Words, condition, price (converted to the search's currency) and place, in that order."""
    words = set(tokens(title))
    if not all(term in words for term in rules.required):
        return False
    if any(term in words for term in rules.excluded):
        return False
    if rules.condition != "any" and condition != rules.condition:
        return False
    if not price_matches(rules, price=price, currency=currency, shipping=shipping):
        return False
    return geo.place_matches(rules.place, latitude=latitude, longitude=longitude, country=country)


def price_matches(rules: MatchRules, *, price: Decimal | None, currency: str, shipping: Decimal | None = None) -> bool:
    if rules.min_price is None and rules.max_price is None:
        return True
    converted = money.converted_amount(
        price,
        currency,
        to_currency=rules.currency,
        rates=rules.rates or _NO_RATES,
        shipping=shipping,
        include_shipping=rules.include_shipping,
    )
    return money.within_bounds(converted.amount if converted else None, min_price=rules.min_price, max_price=rules.max_price)


def drop_duplicates(listings: list, *, already_matched_keys: set[str]) -> list:  # type: ignore[type-arg]
    """Keep the first listing of each duplicate key (see Listing.dedupe_key).

    A listing whose key this search already matched through another row (the same
    item cross-posted on another marketplace) is dropped, so it is matched and alerted
    once. Listings without a key are always kept.
    """
    seen = set(already_matched_keys)
    kept = []
    for listing in listings:
        key = getattr(listing, "dedupe_key", "")
        if key and key in seen:
            continue
        if key:
            seen.add(key)
        kept.append(listing)
    return kept
