"""Charts drawn on the server as SVG geometry: plain functions of plain values.

Why SVG on the server and not a JavaScript chart library: the page works without
JavaScript, under a Content-Security-Policy that allows no inline script or style, and
prints; a screen reader gets the same numbers from the table each chart comes with.
The templates (web/templates/web/partials/chart_*.html) only place what is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from searches.scoring import MarketValue

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36  # room for the axes' labels


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    price: Decimal
    outlier: bool = False


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    path: str = ""  # price history: the step line
    dots: list[Dot] = field(default_factory=list)
    marker_x: float | None = None  # comparables: this listing's price
    marker_anchor: str = "middle"  # its label's text-anchor, kept inside the chart near an edge
    median_x: float | None = None
    band: tuple[float, float] | None = None  # comparables kept after trimming: low..high
    summary: str = ""


def _nice_range(low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
    if low == high:
        pad = max(abs(low) * Decimal("0.1"), Decimal(1))
        return low - pad, high + pad
    pad = (high - low) * Decimal("0.08")
    return max(Decimal(0), low - pad), high + pad


def _money(value: Decimal) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _scale(value: Decimal, low: Decimal, high: Decimal, start: float, end: float) -> float:
    return round(start + float((value - low) / (high - low)) * (end - start), 1)


def _price_ticks(low: Decimal, high: Decimal, start: float, end: float, count: int = 5) -> list[Tick]:
    step = (high - low) / (count - 1)
    return [Tick(_scale(low + step * i, low, high, start, end), _money(low + step * i)) for i in range(count)]


def price_history_chart(*, points: list[tuple[datetime, Decimal]], now: datetime, currency: str) -> Chart | None:
    """A step line of a listing's prices over time (one point per change, as PriceObservation
    stores them), drawn on to ``now``; None without any observation."""
    if not points:
        return None
    chart = Chart()
    prices = [price for _, price in points]
    low, high = _nice_range(min(prices), max(prices))
    start, end = points[0][0], max(now, points[-1][0])
    span = (end - start).total_seconds() or 1.0

    def x_of(moment: datetime) -> float:
        return round(chart.left + (moment - start).total_seconds() / span * (chart.right_edge - chart.left), 1)

    def y_of(price: Decimal) -> float:
        return _scale(price, low, high, chart.bottom_edge, chart.top)

    commands = [f"M{x_of(points[0][0])},{y_of(points[0][1])}"]
    for moment, price in points[1:]:
        commands.append(f"H{x_of(moment)}")
        commands.append(f"V{y_of(price)}")
    commands.append(f"H{x_of(end)}")
    chart.path = " ".join(commands)
    chart.dots = [Dot(x_of(moment), y_of(price), price) for moment, price in points]
    chart.y_ticks = _price_ticks(low, high, chart.bottom_edge, chart.top)
    chart.x_ticks = [Tick(x_of(start), f"{start:%b %-d %H:%M}"), Tick(x_of(end), f"{end:%b %-d %H:%M}")]
    first, last = prices[0], prices[-1]
    if len(points) == 1:
        chart.summary = f"One price seen so far: {first} {currency}."
    else:
        change = "down" if last < first else "up" if last > first else "back"
        chart.summary = (
            f"{len(points)} prices seen: from {first} to {last} {currency} ({change}); lowest {min(prices)}, highest {max(prices)}."
        )
    return chart


def comparables_chart(*, prices: list[Decimal], market: MarketValue | None, price: Decimal | None, currency: str) -> Chart | None:
    """The comparables' prices on one axis, with their median, the range the deal score
    kept (outliers hollow), and this listing's price marked; None without comparables."""
    if not prices:
        return None
    chart = Chart(height=170, top=34)  # room above the plot for the "median" label
    chart.bottom_edge = chart.height - BOTTOM
    everything = [*prices, *([price] if price is not None else [])]
    low, high = _nice_range(min(everything), max(everything))

    def x_of(value: Decimal) -> float:
        return _scale(value, low, high, chart.left, chart.right_edge)

    rows = 5
    for index, value in enumerate(sorted(prices)):
        outlier = market is not None and not market.low <= value <= market.high
        # Spread over rows in a fixed scattered order, so that close prices do not hide one another.
        y = chart.top + 10 + ((index * 3) % rows) * (chart.bottom_edge - chart.top - 20) / (rows - 1)
        chart.dots.append(Dot(x_of(value), round(y, 1), value, outlier))
    chart.x_ticks = _price_ticks(low, high, chart.left, chart.right_edge)
    if market is not None:
        chart.median_x = x_of(market.median)
        chart.band = (x_of(market.low), x_of(market.high))
    if price is not None:
        chart.marker_x = x_of(price)
        if chart.marker_x < chart.left + 50:
            chart.marker_anchor = "start"
        elif chart.marker_x > chart.right_edge - 50:
            chart.marker_anchor = "end"
    if market is None:
        chart.summary = f"{len(prices)} comparable prices: too few (or too spread) for a market value, so no deal score yet."
    elif price is None:
        chart.summary = f"Median of {market.count} comparables: {market.median} {currency}; this listing shows no price."
    else:
        relation = "below" if price < market.median else "above" if price > market.median else "at"
        chart.summary = (
            f"This listing asks {price} {currency}, {relation} the median {market.median} {currency} "
            f"of {market.count} comparables (range {market.low} to {market.high}"
            + (f"; {market.trimmed} outlier{'s' if market.trimmed != 1 else ''} left out" if market.trimmed else "")
            + ")."
        )
    return chart
