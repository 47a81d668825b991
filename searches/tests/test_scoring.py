"""Deal scores: a trimmed median of comparables, an explanation, and no score without enough data."""

from __future__ import annotations

from decimal import Decimal

from searches.scoring import MIN_COMPARABLES, deal_score, market_value


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
    assert score.explanation == "23% below the median of 41 comparable listings (120.00 USD)"


def test_score_above_and_at_the_median() -> None:
    market = market_value(prices("100", "100", "100", "100", "100"))
    assert deal_score(Decimal("150"), market, "EUR").explanation == "50% above the median of 5 comparable listings (100.00 EUR)"
    assert deal_score(Decimal("150"), market, "EUR").score == Decimal("-50.00")
    assert deal_score(Decimal("99.80"), market, "EUR").explanation.startswith("At the median of 5")


def test_no_price_no_score() -> None:
    market = market_value(prices("100", "100", "100", "100", "100"))
    assert deal_score(None, market, "USD") is None
