"""The server-side charts: plain functions of prices and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from searches.scoring import market_value
from web.charts import comparables_chart, price_history_chart

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_price_history_is_a_step_line_to_now():
    points = [(T0, Decimal("500")), (T0 + timedelta(hours=10), Decimal("450")), (T0 + timedelta(hours=20), Decimal("400"))]
    chart = price_history_chart(points=points, now=T0 + timedelta(hours=40), currency="USD")
    assert chart.path.startswith("M64.0,") and chart.path.count("V") == 2 and chart.path.count("H") == 3
    assert chart.path.endswith(f"H{float(chart.right_edge)}")  # drawn on to now
    ys = [dot.y for dot in chart.dots]
    assert ys == sorted(ys)  # cheaper is lower on the chart (larger y)
    assert "from 500 to 400 USD (down)" in chart.summary


def test_price_history_of_one_price_and_of_none():
    chart = price_history_chart(points=[(T0, Decimal("99.50"))], now=T0, currency="EUR")
    assert chart.summary == "One price seen so far: 99.50 EUR."
    assert chart.y_ticks[0].label != chart.y_ticks[-1].label  # a flat line still gets an axis
    assert price_history_chart(points=[], now=T0, currency="EUR") is None


def test_comparables_chart_marks_this_price_the_median_and_the_outliers():
    prices = [Decimal(p) for p in ("400", "410", "395", "420", "405", "5000")]
    market = market_value(prices)
    chart = comparables_chart(prices=prices, market=market, price=Decimal("300"), currency="USD")
    assert chart.marker_x < chart.band[0] < chart.median_x < chart.band[1]
    outliers = [dot.price for dot in chart.dots if dot.outlier]
    assert outliers == [Decimal("5000")]
    assert "below the median 405.00 USD of 5 comparables" in chart.summary and "1 outlier left out" in chart.summary
    assert chart.marker_anchor == "start"  # the label stays inside the chart at its left edge


def test_comparables_chart_without_a_market_value_says_why():
    chart = comparables_chart(prices=[Decimal("10"), Decimal("12")], market=None, price=Decimal("11"), currency="USD")
    assert chart.median_x is None and chart.band is None
    assert "too few" in chart.summary
    assert comparables_chart(prices=[], market=None, price=Decimal("11"), currency="USD") is None
