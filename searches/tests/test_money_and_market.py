"""Money across currencies in matching and in the market value; comparables that deserve the name."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from listings import money as rates_module
from listings.kinds import classify_title
from listings.models import Listing
from listings.money import Rates, exchange_rates_store
from listings.services import UpsertResult
from listings.sold import listings_mark_probably_sold
from listings.tests.factories import ListingFactory, MarketplaceFactory, ScrapeRunFactory
from searches.matching import listing_matches, rules_for
from searches.models import Match
from searches.services import search_apply_scout
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db

RATES = Rates(per_eur={"USD": Decimal("1.2"), "GBP": Decimal("0.8")}, rate_date=date(2026, 12, 2))


@pytest.fixture
def ecb(db: Any) -> Any:
    """The stored rates every process uses: 1 EUR = 1.20 USD = 0.80 GBP (1 GBP = 1.50 USD)."""
    exchange_rates_store(rates=RATES.per_eur, rate_date=RATES.rate_date, source="test")
    yield
    rates_module.rates_cache_clear()


def _rules(max_price: str | None = "1000", include_shipping: bool = False) -> Any:
    search = SimpleNamespace(
        query="fujifilm x100v",
        excluded_terms=[],
        min_price=None,
        max_price=None if max_price is None else Decimal(max_price),
        currency="USD",
        condition="any",
        radius_km=None,
        latitude=None,
        longitude=None,
        location_country="",
        keep_unknown_location=True,
        include_shipping=include_shipping,
    )
    return rules_for(search, rates=RATES)


def _gbp(price: str, shipping: str | None = None, rules: Any = None) -> bool:
    return listing_matches(
        rules or _rules(),
        title="Fujifilm X100V silver",
        price=Decimal(price),
        currency="GBP",
        condition="used",
        shipping=None if shipping is None else Decimal(shipping),
    )


def test_a_usd_bound_compares_a_gbp_listing_in_dollars() -> None:
    assert _gbp("660")  # 990 USD
    assert not _gbp("700")  # 1,050 USD
    assert not listing_matches(_rules(), title="Fujifilm X100V", price=Decimal("900"), currency="EUR", condition="used")  # 1,080 USD
    assert listing_matches(_rules(), title="Fujifilm X100V", price=Decimal("800"), currency="EUR", condition="used")  # 960 USD
    assert not listing_matches(_rules(), title="Fujifilm X100V", price=Decimal("1"), currency="XBT", condition="used")


def test_with_include_shipping_the_bound_compares_the_total() -> None:
    assert _gbp("660", shipping="20")
    assert not _gbp("660", shipping="20", rules=_rules(include_shipping=True))  # (660 + 20) * 1.5 = 1,020 USD


def test_the_api_shows_each_listings_own_price_and_the_converted_one_with_the_rates_date(alice_api, alice, market, ecb) -> None:
    search = SearchFactory(owner=alice, currency="USD", marketplaces=[market])
    MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal("400.00"), currency="GBP"))
    MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal("500.00"), currency="USD"))
    rows = {row["currency"]: row for row in alice_api.get("/api/v1/listings/").json()["results"]}
    assert (rows["GBP"]["price"], rows["GBP"]["converted_price"], rows["GBP"]["converted_currency"]) == ("400.00", "600.00", "USD")
    assert rows["GBP"]["rate_date"] == "2026-12-02"
    assert (rows["USD"]["converted_price"], rows["USD"]["rate_date"]) == ("500.00", None)
    detail = alice_api.get(f"/api/v1/listings/{rows['GBP']['id']}/").json()
    assert (detail["converted_price"], detail["rate_date"]) == ("600.00", "2026-12-02")


# --- The market value ---------------------------------------------------------------------


@pytest.fixture
def camera_market(ecb: Any) -> Any:
    market = MarketplaceFactory(slug="cams")
    search = SearchFactory(query="fujifilm x100v", currency="USD", marketplaces=[market])

    def seen(price: str, currency: str = "USD", condition: str = "used", title: str = "Fujifilm X100V", **extra: Any) -> Listing:
        kind = classify_title(title, None).kind  # as the upsert sets it
        listing = ListingFactory(
            marketplace=market, title=title, price=Decimal(price), currency=currency, condition=condition, kind=kind, **extra
        )
        MatchFactory(search=search, listing=listing, deal_score=None)
        return listing

    return SimpleNamespace(market=market, search=search, seen=seen)


def _score(world: Any, listing: Listing) -> Match:
    search_apply_scout(search=world.search, upsert=UpsertResult(listings=[listing], created_ids={listing.pk}))
    return Match.objects.get(search=world.search, listing=listing)


def test_comparables_are_converted_to_the_searchs_currency_and_follow_the_condition(camera_market: Any) -> None:
    world = camera_market
    for price in ("500", "520", "540"):
        world.seen(price, "GBP")  # 750, 780, 810 USD
    for price in ("800", "820"):
        world.seen(price, "USD")
    for price in ("1200", "1250", "1300", "1350", "1400"):
        world.seen(price, "USD", condition="new")  # new cameras are no comparables of a used one
    world.seen("300", "USD", condition="for_parts")
    fresh = ListingFactory(marketplace=world.market, title="Fujifilm X100V", price=Decimal("400"), currency="GBP", condition="used")

    match = _score(world, fresh)

    # Median of 750 780 800 810 820 is 800 USD; 400 GBP is 600 USD: 25% below.
    assert match.deal_score == Decimal("25.00")
    assert match.score_explanation.startswith("25% below the median of 5 comparable listings (800.00 USD)")
    assert (match.comparables_count, match.score_confidence) == (5, "medium")
    assert match.listing.price == Decimal("400") and match.listing.currency == "GBP"  # the listing keeps its own


def test_a_listing_is_never_its_own_comparable(camera_market: Any) -> None:
    world = camera_market
    listings = [world.seen(price) for price in ("100", "110", "120", "130", "140")]
    Match.objects.filter(listing=listings[0]).delete()  # matched again: as if new
    match = _score(world, listings[0])
    assert match.deal_score is None  # four others are too few; counting itself would have made five


def test_accessories_are_no_comparables_of_the_thing_itself(camera_market: Any) -> None:
    world = camera_market  # the accessory detector is matching's own (listings.kinds, at upsert)
    for price in ("1000", "1010", "1020", "1030", "1040"):
        world.seen(price)
    for price in ("20", "25", "30", "35", "40", "45"):
        world.seen(price, title="Lens hood for Fujifilm X100V")
    fresh = ListingFactory(marketplace=world.market, title="Fujifilm X100V", price=Decimal("800"), currency="USD", condition="used")
    match = _score(world, fresh)
    assert "median of 5 comparable listings (1020.00 USD)" in match.score_explanation


def test_listings_that_vanish_within_days_become_sold_estimates_that_weigh_double(camera_market: Any, settings: Any) -> None:
    world = camera_market
    now = timezone.now()
    settings.SOLD_AFTER_UNSEEN_DAYS, settings.SOLD_MAX_LISTED_DAYS = 2, 14
    quick = [world.seen(price, first_seen_at=now - timedelta(days=6), last_seen_at=now - timedelta(days=4)) for price in ("900", "910")]
    stale = world.seen("990", first_seen_at=now - timedelta(days=29), last_seen_at=now - timedelta(days=4))  # on sale 25 days
    recent = world.seen("1000", first_seen_at=now - timedelta(days=3), last_seen_at=now - timedelta(hours=2))  # still there
    for price in ("1010", "1020"):
        world.seen(price)
    ScrapeRunFactory(marketplace=world.market, started_at=now - timedelta(hours=1))  # the site still answers

    assert listings_mark_probably_sold(now=now) == 2

    assert set(Listing.objects.filter(sold_estimated_at__isnull=False)) == set(quick)
    assert all(not listing.is_active for listing in Listing.objects.filter(pk__in=[q.pk for q in quick]))
    assert Listing.objects.get(pk=stale.pk).sold_estimated_at is None and Listing.objects.get(pk=recent.pk).is_active
    fresh = ListingFactory(marketplace=world.market, title="Fujifilm X100V", price=Decimal("800"), currency="USD", condition="used")
    match = _score(world, fresh)
    # 900 900 910 910 990 1000 1010 1020: the median 950; without the weights it would be 995.
    assert "6 comparable listings, 2 probably sold (950.00 USD)" in match.score_explanation


def test_no_listing_is_called_sold_while_its_marketplace_is_not_answering(camera_market: Any) -> None:
    world = camera_market
    now = timezone.now()
    world.seen("900", first_seen_at=now - timedelta(days=6), last_seen_at=now - timedelta(days=4))
    ScrapeRunFactory(marketplace=world.market, started_at=now - timedelta(days=5))  # nothing since the listing was last seen
    assert listings_mark_probably_sold(now=now) == 0


def test_a_sold_estimate_seen_again_was_not_sold(camera_market: Any) -> None:
    from listings.agents import ListingData
    from listings.services import listing_upsert_bulk

    world = camera_market
    now = timezone.now()
    listing = world.seen("900", first_seen_at=now - timedelta(days=6), last_seen_at=now - timedelta(days=4))
    ScrapeRunFactory(marketplace=world.market, started_at=now - timedelta(hours=1))
    assert listings_mark_probably_sold(now=now) == 1
    data = ListingData(external_id=listing.external_id, url=listing.url, title=listing.title, price=Decimal("900"), currency="USD")
    listing_upsert_bulk(marketplace=world.market, items=[data], seen_at=now)
    listing.refresh_from_db()
    assert (listing.sold_estimated_at, listing.is_active) == (None, True)


def test_the_market_summary_counts_every_currency_converted(alice_api, alice, market, ecb) -> None:
    search = SearchFactory(owner=alice, currency="USD", marketplaces=[market])
    for price, currency in (("100", "GBP"), ("160", "USD"), ("200", "USD"), ("1", "XBT")):
        MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal(price), currency=currency))
    summary = alice_api.get(f"/api/v1/searches/{search.pk}/market-summary/").json()
    # 100 GBP is 150 USD; the XBT listing has no rate and is left out.
    assert (summary["priced_listings"], summary["low_price"], summary["median_price"], summary["high_price"]) == (
        3,
        "150.00",
        "160.00",
        "200.00",
    )
