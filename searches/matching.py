"""Does a listing satisfy a search? Plain functions of plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


def rules_for(search: object) -> MatchRules:
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
    )


def listing_matches(rules: MatchRules, *, title: str, price: Decimal | None, currency: str, condition: str) -> bool:
    words = set(tokens(title))
    if not all(term in words for term in rules.required):
        return False
    if any(term in words for term in rules.excluded):
        return False
    if rules.condition != "any" and condition != rules.condition:
        return False
    if rules.min_price is not None or rules.max_price is not None:
        # A bound cannot be checked without a price in the same currency: no match
        # rather than a false "deal" in the wrong currency.
        if price is None or (currency and rules.currency and currency != rules.currency):
            return False
        if rules.min_price is not None and price < rules.min_price:
            return False
        if rules.max_price is not None and price > rules.max_price:
            return False
    return True


def drop_duplicates(listings: list[Any], *, already_matched_keys: set[str]) -> list[Any]:
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
