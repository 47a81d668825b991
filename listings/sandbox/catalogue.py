"""What the sandbox sells at a given moment: a pure function of the seconds since it opened."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# (title, market price in USD, words for the description)
PRODUCTS: list[tuple[str, int]] = [
    ("Fujifilm X100V digital camera silver", 1150),
    ("Nintendo Switch OLED console white", 290),
    ("Trek FX 3 road bike 56cm", 750),
    ("Sony WH-1000XM4 wireless headphones", 210),
    ("Fujifilm X100V black with lens hood", 1180),
    ("Apple iPad Air 4th gen 64GB", 360),
    ("Nintendo Switch OLED Mario edition", 310),
    ("Specialized Allez road bike 54cm", 680),
    ("Canon EF 50mm f/1.8 STM lens", 110),
    ("Fujifilm X100V camera body only", 1100),
    ("Nintendo Switch OLED - broken screen", 120),
    ("Kids road bike 24 inch", 180),
]
CONDITIONS = ["https://schema.org/UsedCondition", "https://schema.org/NewCondition", "https://schema.org/RefurbishedCondition"]
# Where the items are (schema.org availableAtOrFrom): real towns the gazetteer knows, three
# of them around San Francisco at different distances (Oakland 13 km, Berkeley 16 km,
# San Jose 68 km) so that a search with a place and a radius has something to tell apart.
CITIES = ["Brooklyn, NY", "Oakland, CA", "Austin, TX", "Portland, OR", "Chicago, IL", "Berkeley, CA", "San Jose, CA"]

INITIAL_ITEMS = 24  # on the shelf when the shop opens: enough comparables to score deals
NEW_ITEM_EVERY = 20.0  # seconds between new listings
PRICE_DROP_EVERY = 45.0  # seconds between price cuts on the items that get them
MAX_DROPS = 3


@dataclass(frozen=True)
class Item:
    sku: str
    title: str
    price: Decimal
    currency: str
    condition: str
    city: str
    listed_after: float  # seconds since the shop opened


def _fraction(seed: str) -> float:
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _base_item(index: int) -> tuple[str, str, Decimal, str, str]:
    title, market = PRODUCTS[index % len(PRODUCTS)]
    # Between 60% and 125% of the market price: some real deals, mostly ordinary ones.
    factor = Decimal(str(0.60 + 0.65 * _fraction(f"price-{index}")))
    price = (Decimal(market) * factor).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    condition = CONDITIONS[int(_fraction(f"cond-{index}") * len(CONDITIONS))]
    city = CITIES[int(_fraction(f"city-{index}") * len(CITIES))]
    return f"SBX-{index:05d}", title, price, condition, city


def listed_after(index: int) -> float:
    return 0.0 if index < INITIAL_ITEMS else (index - INITIAL_ITEMS + 1) * NEW_ITEM_EVERY


def item_at(index: int, elapsed: float) -> Item | None:
    """Item ``index`` as it stands ``elapsed`` seconds after opening (None: not listed yet)."""
    appears = listed_after(index)
    if elapsed < appears:
        return None
    sku, title, price, condition, city = _base_item(index)
    if index % 3 == 0:
        # Every third item gets cheaper over time, 8% a step, a few steps at most.
        drops = min(MAX_DROPS, int((elapsed - appears) // PRICE_DROP_EVERY))
        for _ in range(drops):
            price = (price * Decimal("0.92")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return Item(sku=sku, title=title, price=price, currency="USD", condition=condition, city=city, listed_after=appears)


def visible_items(elapsed: float) -> list[Item]:
    """Everything on sale now, newest first."""
    count = INITIAL_ITEMS + max(0, int(elapsed // NEW_ITEM_EVERY))
    items = [item_at(index, elapsed) for index in range(count)]
    return sorted((item for item in items if item is not None), key=lambda item: -item.listed_after)


def search(elapsed: float, query: str) -> list[Item]:
    words = [word.casefold() for word in query.split() if word]
    return [item for item in visible_items(elapsed) if all(word in item.title.casefold() for word in words)]


def find(elapsed: float, sku: str) -> Item | None:
    try:
        index = int(sku.removeprefix("SBX-"))
    except ValueError:
        return None
    return item_at(index, elapsed)
