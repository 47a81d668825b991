"""Deal scores: a trimmed median of comparables, an explanation, and no score without enough data."""

from __future__ import annotations

from decimal import Decimal

from searches.scoring import MIN_COMPARABLES, Comparable, conditions_compare, deal_score, market_value


def prices(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def test_market_value_is_the_median_of_the_comparables() -> None:
    market = market_value(prices("100", "110", "120", "130", "140"))
    assert (market.median, market.count, market.low, market.high, market.trimmed) == (Decimal("120.00"), 5, 100, 140, 0)


def test_outliers_are_trimmed_and_do_not_count_as_comparables() -> None:
    market = market_value(prices("1", "95", "100", "105", "110", "115", "120", "5000"))
    assert market.count == 6 and market.trimmed == 2
    assert (market.low, market.high, market.median) == (Decimal("95"), Decimal("120"), Decimal("107.50"))


def test_too_few_comparables_means_no_market_value_and_no_score() -> None:
    assert market_value(prices(*["100"] * (MIN_COMPARABLES - 1))) is None
    assert market_value([None, Decimal("0"), *prices("100", "100", "100", "100")]) is None  # free and missing prices do not count
    assert deal_score(Decimal("50"), None, "USD") is None


def test_score_and_explanation_below_the_median() -> None:
    market = market_value(prices(*[str(100 + i) for i in range(41)]))  # 100..140, median 120
    score = deal_score(Decimal("92.40"), market, "USD")
    assert score.score == Decimal("23.00")
    # 100..140: IQR 20 over a median of 120 is 0.17, with 41 comparables: high confidence.
    assert score.explanation == "23% below the median of 41 comparable listings (120.00 USD), confidence high"


def test_score_above_and_at_the_median() -> None:
    market = market_value(prices("100", "100", "100", "100", "100"))
    assert (
        deal_score(Decimal("150"), market, "EUR").explanation
        == "50% above the median of 5 comparable listings (100.00 EUR), confidence medium"
    )
    assert deal_score(Decimal("150"), market, "EUR").score == Decimal("-50.00")
    assert deal_score(Decimal("99.80"), market, "EUR").explanation.startswith("At the median of 5")


def test_no_price_no_score() -> None:
    market = market_value(prices("100", "100", "100", "100", "100"))
    assert deal_score(None, market, "USD") is None


def test_confidence_follows_the_count_and_the_spread_of_the_comparables() -> None:
    tight_and_many = market_value(prices(*[str(100 + i) for i in range(12)]))  # IQR 5.5 / median 105.5
    tight_but_few = market_value(prices("100", "101", "102", "103", "104"))
    wide = market_value(prices("50", "80", "100", "150", "190", "200"))  # IQR 180 - 85 over a median of 125: 0.76
    assert (tight_and_many.confidence, tight_but_few.confidence, wide.confidence) == ("high", "medium", "low")
    assert wide.spread == Decimal("0.76")


def test_sold_estimates_weigh_double_in_the_median_and_are_named_in_the_explanation() -> None:
    asking = [Comparable(Decimal(value)) for value in ("100", "110", "120", "130")]
    sold = [Comparable(Decimal("90"), sold=True), Comparable(Decimal("95"), sold=True)]
    market = market_value(asking + sold)
    # Weighted: 90 90 95 95 100 110 120 130 -> median (95 + 100) / 2; unweighted it would be 105.
    assert (market.median, market.count, market.sold) == (Decimal("97.50"), 6, 2)
    assert "6 comparable listings, 2 probably sold (97.50 USD)" in deal_score(Decimal("80"), market, "USD").explanation


def test_conditions_compare_within_new_used_and_parts() -> None:
    assert conditions_compare("used", "refurbished")
    assert not conditions_compare("new", "used")
    assert conditions_compare("unknown", "new") and conditions_compare("used", "unknown")
    assert not conditions_compare("for_parts", "used") and not conditions_compare("unknown", "for_parts")
    assert conditions_compare("for_parts", "for_parts")
