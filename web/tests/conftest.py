"""Fixtures of the web app's tests: two people, a marketplace, a search with scored deals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from listings.tests.factories import ListingFactory, PriceObservationFactory
from searches.tests.factories import MatchFactory, SearchFactory


@pytest.fixture
def web(db, alice) -> Client:  # noqa: ANN001
    """Alice, signed in through a session (the web app's way)."""
    cache.clear()
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_web(db, bob) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def deals(alice, market):  # noqa: ANN001, ANN201
    """Alice's search with six scored matches (one a clear deal) and a price history."""
    search = SearchFactory(owner=alice, name="Cheap ThinkPad", query="thinkpad", marketplaces=[market])
    prices = [Decimal(p) for p in ("400", "410", "395", "420", "405", "250")]
    matches = []
    for index, price in enumerate(prices):
        listing = ListingFactory(marketplace=market, title=f"ThinkPad X1 Carbon unit {index}", price=price, last_seen_at=timezone.now())
        score = ((Decimal("405") - price) / Decimal("405") * 100).quantize(Decimal("0.01"))
        matches.append(MatchFactory(search=search, listing=listing, deal_score=score, score_explanation=f"{score}% vs the median"))
    best = matches[-1]
    PriceObservationFactory(listing=best.listing, price=Decimal("320"), observed_at=timezone.now() - timedelta(days=2))
    PriceObservationFactory(listing=best.listing, price=Decimal("250"), observed_at=timezone.now() - timedelta(hours=5))
    return {"search": search, "matches": matches, "best": best}
