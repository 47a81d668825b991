"""Does a listing satisfy a search? Plain functions of plain values.

``listing_match`` composes the checks, each a function returning (ok, why): the text
(the query language of searches.query, with aliases), accessories and parts
(listings.kinds), condition, price (converted to the search's currency: searches.money)
and place (distance from the search's place: searches.geo). A listing's title is prepared once per scout
group (``prepare``) and tested against every search of the group; a search's query is
compiled once (``MatchRules.compiled``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from listings.kinds import KindVerdict, classify_title
from listings.money import Rates, current_rates
from listings.textnorm import NormalizedTitle, normalize_title, term_key
from searches import geo, money
from searches.query import EMPTY_ALIASES, AliasTable, CompiledQuery, compile_query, marketplace_text


def normalized_query(query: str) -> str:
    """The form of a query that a marketplace is asked (see searches.query.marketplace_text)."""
    return marketplace_text(query)


@dataclass(frozen=True)
class PreparedTitle:
    """What matching needs of a listing's title, computed once per listing."""

    text: NormalizedTitle
    kind: KindVerdict


def prepare(title: str, category: str | None = None) -> PreparedTitle:
    return PreparedTitle(normalize_title(title), classify_title(title, category))


@dataclass(frozen=True)
class MatchRules:
    query: str
    excluded: tuple[str, ...]
    min_price: Decimal | None
    max_price: Decimal | None
    currency: str
    condition: str  # "any" or a listings.Condition value
    include_accessories: bool = False
    aliases: AliasTable = field(default=EMPTY_ALIASES, compare=False, repr=False)
    place: geo.PlaceRule | None = None  # None: place does not filter (searches.geo)
    rates: Rates | None = field(default=None, compare=False, repr=False)  # None: only the search's own currency compares
    include_shipping: bool = False

    @cached_property
    def compiled(self) -> CompiledQuery:
        """The query compiled once per rules object (a frozen dataclass may still cache)."""
        return compile_query(self.query, excluded=self.excluded, aliases=self.aliases)


@dataclass(frozen=True)
class MatchVerdict:
    ok: bool
    why: str


_NO_RATES = Rates(per_eur={}, rate_date=None)


def rules_for(search: Any, *, aliases: AliasTable | None = None, rates: Rates | None = None) -> MatchRules:
    if aliases is None:
        from searches.aliases import alias_table

        aliases = alias_table()
    return MatchRules(
        query=search.query,
        excluded=tuple(search.excluded_terms or ()),
        min_price=search.min_price,
        max_price=search.max_price,
        currency=search.currency,
        condition=search.condition,
        include_accessories=getattr(search, "include_accessories", False),
        aliases=aliases,
        place=geo.place_rule_for(search),
        rates=rates or current_rates(),
        include_shipping=bool(getattr(search, "include_shipping", False)),
    )


_NOT_ASKING = {"for", "only", "not", "no", "and", "or", "with", "per", "para", "pour", "fur"}


def text_check(rules: MatchRules, title: PreparedTitle) -> tuple[bool, str]:
    """The query's words against the title (required, alternatives, exclusions, aliases)."""
    verdict = rules.compiled.test(title.text)
    return verdict.ok, verdict.why


def accessory_check(rules: MatchRules, title: PreparedTitle) -> tuple[bool, str]:
    """Accessories, boxes and parts pass only when the search wants them: it says so, it
    asks for parts by condition, or its own words name what made the title one
    ("x100v lens hood" wants lens hoods)."""
    kind = title.kind
    if kind.is_item or rules.include_accessories:
        return True, ""
    if kind.kind == "parts" and rules.condition == "for_parts":
        return True, ""
    vocabulary = rules.compiled.vocabulary
    for trigger in kind.triggers:
        words = [term_key(word) for word in trigger.split() if word not in _NOT_ASKING]
        if (words and all(word in vocabulary for word in words)) or term_key(trigger) in vocabulary:
            return True, ""
    return False, f"{kind.why} (this search does not want accessories or parts)"


def condition_check(rules: MatchRules, condition: str) -> tuple[bool, str]:
    if rules.condition != "any" and condition != rules.condition:
        return False, f"condition {condition}, not {rules.condition}"
    return True, ""


def price_check(rules: MatchRules, price: Decimal | None, currency: str, shipping: Decimal | None = None) -> tuple[bool, str]:
    """The bounds against the price (or the total with shipping) converted to the search's
    currency at the ECB rate; a price that cannot be converted cannot pass a bound."""
    if rules.min_price is None and rules.max_price is None:
        return True, ""
    if price is None:
        return False, "no price to compare with the bounds"
    converted = money.converted_amount(
        price,
        currency,
        to_currency=rules.currency,
        rates=rules.rates or _NO_RATES,
        shipping=shipping,
        include_shipping=rules.include_shipping,
    )
    if converted is None:
        return False, f"price in {currency}, which has no exchange rate to {rules.currency}"
    amount = f"{converted.amount} {rules.currency} ({price} {currency})" if converted.rate_date else f"{converted.amount}"
    if rules.min_price is not None and converted.amount < rules.min_price:
        return False, f"price {amount} below {rules.min_price}"
    if rules.max_price is not None and converted.amount > rules.max_price:
        return False, f"price {amount} above {rules.max_price}"
    return True, ""


def place_check(rules: MatchRules, latitude: float | None, longitude: float | None, country: str) -> tuple[bool, str]:
    if geo.place_matches(rules.place, latitude=latitude, longitude=longitude, country=country):
        return True, ""
    assert rules.place is not None  # noqa: S101 - without a place rule everything matches
    radius = f"{rules.place.radius_km:.0f} km"
    if latitude is not None and longitude is not None:
        return False, f"{geo.place_explanation(rules.place, latitude=latitude, longitude=longitude)}, beyond {radius}"
    if country:
        return False, f"in {country}, outside a {radius} radius"
    return False, "place unknown (this search keeps only listings that say where they are)"


def _bounds_note(rules: MatchRules, price: Decimal | None, currency: str, condition: str) -> str:
    """What a match satisfied besides its words: "; price 150 ≤ 420.00 ≤ 600 USD; condition used"."""
    note = ""
    if price is not None and (rules.min_price is not None or rules.max_price is not None):
        low = f"{rules.min_price} ≤ " if rules.min_price is not None else ""
        high = f" ≤ {rules.max_price}" if rules.max_price is not None else ""
        note += f"; price {low}{price}{high} {currency}".rstrip()
    if rules.condition != "any":
        note += f"; condition {condition}"
    return note


def listing_match(
    rules: MatchRules,
    *,
    title: str | PreparedTitle,
    price: Decimal | None,
    currency: str,
    condition: str,
    shipping: Decimal | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    country: str = "",
) -> MatchVerdict:
    """Every check in turn; the explanation starts with the text's and adds the first failure."""
    prepared = title if isinstance(title, PreparedTitle) else prepare(title)
    ok, why = text_check(rules, prepared)
    if not ok:
        return MatchVerdict(False, why)
    for passed, reason in (
        accessory_check(rules, prepared),
        condition_check(rules, condition),
        price_check(rules, price, currency, shipping),
        place_check(rules, latitude, longitude, country),
    ):
        if not passed:
            return MatchVerdict(False, f"{why}; {reason}")
    return MatchVerdict(True, why + _bounds_note(rules, price, currency, condition))


def listing_matches(
    rules: MatchRules,
    *,
    title: str | PreparedTitle,
    price: Decimal | None,
    currency: str,
    condition: str,
    shipping: Decimal | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    country: str = "",
) -> bool:
    return listing_match(
        rules,
        title=title,
        price=price,
        currency=currency,
        condition=condition,
        shipping=shipping,
        latitude=latitude,
        longitude=longitude,
        country=country,
    ).ok


class ListingGroup:
    """The listings of one scout group, prepared once, matched against many searches.

    Titles are normalized and classified once for the group. The text and accessory
    verdicts depend only on a search's words (query, exclusions, whether it wants
    accessories or parts), and the searches of a group mostly share them (the group *is*
    one marketplace query), so they are computed once per distinct set of words; only
    condition, price (converted) and place are checked per search. 5,000 searches over 1,000 listings cost
    1,000 title tests per distinct query, not 5,000,000 (bench/matching.py).
    """

    def __init__(self, listings: Sequence[Any], *, title: Callable[[Any], str] = lambda listing: listing.title) -> None:
        self.listings = list(listings)
        self.prepared = [prepare(title(listing)) for listing in self.listings]
        self._words: dict[tuple[Any, ...], list[tuple[int, str]]] = {}

    def _word_matches(self, rules: MatchRules) -> list[tuple[int, str]]:
        """(index, explanation) of the listings whose words satisfy the rules, once per distinct words."""
        key = (rules.query, rules.excluded, rules.include_accessories, rules.condition == "for_parts", id(rules.aliases))
        found = self._words.get(key)
        if found is None:
            compiled = rules.compiled
            found = []
            for index, prepared in enumerate(self.prepared):
                # The fast verdict first; the explanation only for what matched.
                if compiled.matches(prepared.text) and accessory_check(rules, prepared)[0]:
                    found.append((index, compiled.test(prepared.text).why))
            self._words[key] = found
        return found

    def matching(self, rules: MatchRules) -> list[tuple[Any, str]]:
        """The listings that satisfy the rules, each with its explanation."""
        result = []
        for index, why in self._word_matches(rules):
            listing = self.listings[index]
            if (
                condition_check(rules, listing.condition)[0]
                and price_check(rules, listing.price, listing.currency, getattr(listing, "shipping", None))[0]
                and place_check(
                    rules, getattr(listing, "latitude", None), getattr(listing, "longitude", None), getattr(listing, "location_country", "")
                )[0]
            ):
                result.append((listing, why + _bounds_note(rules, listing.price, listing.currency, listing.condition)))
        return result


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
