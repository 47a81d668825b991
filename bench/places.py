"""What place and money cost the scouting loop: the gazetteer, and matching with a radius and a currency.

    python bench/places.py [--rounds 5]

Prints, side by side in one run:
- the one-off cost of loading the gazetteer in a process (cities and ZIP codes);
- resolving the places that real captures' listings carry (``listings/tests/data``),
  uncached (the first time a worker sees a place) and cached (every later time);
- ``listing_matches`` on the same listings with and without a place and radius and a
  bound in another currency, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")

import django  # noqa: E402

django.setup()

from listings import places  # noqa: E402
from listings.agents import ParseContext, ParseError, get_agent  # noqa: E402
from listings.money import shipped_rates  # noqa: E402
from searches import geo, matching  # noqa: E402
from searches.query import EMPTY_ALIASES  # noqa: E402

DATA = ROOT / "listings" / "tests" / "data"
CAPTURES = [
    ("craigslist", "craigslist/cl_2025-10_sfbay_sss_surfboard_static_prettified.html"),
    ("ebay_html", "ebay/ebay_srp_2025-08_uk_bluray_scard.html"),
    ("facebook", "facebook/fb_mp_search_bike_nyc_2026.html"),
    ("ebay", "ebay/ours_browse_search_2026-11.json"),
    ("jsonld", "jsonld/ours_itemlist_2026-11.html"),
]


def listings_of_captures() -> list:  # type: ignore[type-arg]
    found = []
    for agent, path in CAPTURES:
        try:
            found += get_agent(agent).parse((DATA / path).read_bytes(), ParseContext(url="https://example.test/")).listings
        except ParseError:
            continue
    return found


def best(rounds: int, work) -> float:  # type: ignore[no-untyped-def]  # noqa: ANN001
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    places.resolve("Berlin")
    places.resolve("94103")
    print(f"gazetteer load (once per process): {time.perf_counter() - start:.2f} s")

    listings = listings_of_captures()
    texts = [listing.location for listing in listings if listing.location]
    located = sum(1 for text in texts if places.resolve(text) is not None)
    print(f"{len(listings)} listings from {len(CAPTURES)} captures, {len(texts)} with a place text, {located} of them placed")

    def uncached() -> None:
        places.resolve.cache_clear()
        for text in texts:
            places.resolve(text)

    def cached() -> None:
        for text in texts:
            places.resolve(text)

    cold, warm = best(args.rounds, uncached), best(args.rounds, cached)
    per = max(len(texts), 1)
    print(
        f"resolve uncached: {cold / per * 1e6:8.1f} us/place   cached: {warm / per * 1e6:6.2f} us/place   ratio {cold / max(warm, 1e-9):.0f}x"
    )

    rates = shipped_rates()
    base = matching.MatchRules(
        query="", excluded=(), min_price=None, max_price=None, currency="USD", condition="any", aliases=EMPTY_ALIASES, rates=rates
    )
    sf = places.resolve("San Francisco, CA")
    placed = matching.MatchRules(
        query="",
        excluded=(),
        min_price=Decimal("1"),
        max_price=Decimal("100000"),
        currency="EUR",
        condition="any",
        aliases=EMPTY_ALIASES,
        rates=rates,
        place=geo.PlaceRule(sf.latitude, sf.longitude, 50.0, "US", True),
    )
    prepared = [(matching.prepare(item.title), item, places.resolve(item.location) if item.location else None) for item in listings]

    def run(rules: matching.MatchRules) -> None:
        for title, item, place in prepared:
            matching.listing_matches(
                rules,
                title=title,
                price=item.price,
                currency=item.currency,
                condition=item.condition,
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                country=place.country if place else "",
            )

    plain, with_place = best(args.rounds, lambda: run(base)), best(args.rounds, lambda: run(placed))
    per = max(len(prepared), 1)
    print(
        f"listing_matches: {plain / per * 1e6:6.1f} us/listing plain, {with_place / per * 1e6:6.1f} us/listing "
        f"with radius + converted bounds   ratio {with_place / max(plain, 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
