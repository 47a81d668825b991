"""Matching rules: keywords, exclusions, price bounds at their edges, condition, currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from searches.matching import MatchRules, listing_matches, normalized_query


def rules(**overrides: object) -> MatchRules:
    base = {
        "query": "fujifilm x100v",
        "excluded": (),
        "min_price": None,
        "max_price": None,
        "currency": "USD",
        "condition": "any",
    }
    base.update(overrides)
    return MatchRules(**base)  # type: ignore[arg-type]


def matches(
    r: MatchRules, title: str = "Fujifilm X100V silver", price: str | None = "800", currency: str = "USD", condition: str = "used"
) -> bool:
    return listing_matches(r, title=title, price=None if price is None else Decimal(price), currency=currency, condition=condition)


def test_all_required_words_must_appear_in_any_case_and_order() -> None:
    assert matches(rules(), title="x100v by FUJIFILM, boxed")
    assert not matches(rules(), title="Fujifilm X100F silver")


def test_words_match_whole_tokens_not_substrings() -> None:
    assert not matches(rules(query="switch"), title="Switcheroo board game")


def test_minus_words_in_the_query_are_exclusions() -> None:
    r = rules(query="nintendo switch -broken -Parts", include_accessories=True)
    assert matches(r, title="Nintendo Switch OLED")
    assert not matches(r, title="Nintendo Switch, broken screen")
    assert not matches(r, title="Nintendo Switch joycon PARTS")
    assert normalized_query("Nintendo  SWITCH -broken") == "nintendo switch"


def test_an_excluded_word_rejects_the_listing() -> None:
    r = rules(excluded=("broken",))
    assert not matches(r, title="Fujifilm X100V - broken screen")
    assert matches(r, title="Fujifilm X100V mint")


@pytest.mark.parametrize(
    ("price", "expected"),
    [("499.99", False), ("500.00", True), ("900.00", True), ("900.01", False)],
)
def test_price_bounds_are_inclusive(price: str, expected: bool) -> None:
    assert matches(rules(min_price=Decimal("500"), max_price=Decimal("900")), price=price) is expected


def test_a_listing_without_price_fails_a_price_bound_but_passes_without_one() -> None:
    assert not matches(rules(max_price=Decimal("900")), price=None)
    assert matches(rules(), price=None)


def test_another_currency_cannot_satisfy_a_price_bound() -> None:
    assert not matches(rules(max_price=Decimal("900")), price="500", currency="GBP")


def test_condition_filter() -> None:
    assert matches(rules(condition="used"), condition="used")
    assert not matches(rules(condition="new"), condition="used")


def test_a_listing_group_matches_exactly_as_one_listing_at_a_time() -> None:
    """The group's shared verdicts (bench/matching.py measures their speed) change no answer."""
    from types import SimpleNamespace

    from searches.matching import ListingGroup, listing_match
    from searches.query import AliasTable

    aliases = AliasTable.from_pairs([("fujifilm", ["fuji"])])
    titles = ["Fujifilm X100V silver", "Lens hood for X100V", "Fuji X100V broken", "Fujifilm X100F", "X100V for parts", "Canon R6"]
    listings = [
        SimpleNamespace(title=title, price=Decimal(price), currency=currency, condition=condition)
        for title in titles
        for price, currency, condition in (("800", "USD", "used"), ("1200", "USD", "new"), ("700", "GBP", "used"))
    ]
    group = ListingGroup(listings)
    for query in ("fuji x100v", "x100v -broken", "x100v lens hood", "(x100v | x100f)"):
        for extra in ({}, {"include_accessories": True}, {"condition": "used", "max_price": Decimal("900")}, {"condition": "for_parts"}):
            r = rules(query=query, aliases=aliases, **extra)
            one_by_one = [
                listing
                for listing in listings
                if listing_match(r, title=listing.title, price=listing.price, currency=listing.currency, condition=listing.condition).ok
            ]
            assert [listing for listing, _ in group.matching(r)] == one_by_one, (query, extra)
