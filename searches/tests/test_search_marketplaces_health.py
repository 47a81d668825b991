"""A search's API detail shows the health of its marketplaces, to its owner only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from listings.tests.factories import MarketplaceFactory, ScrapeRunFactory
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


def runs(marketplace: Any, *history: tuple[str, float]) -> None:
    """(status, hours ago) pairs."""
    now = timezone.now()
    for status, hours in history:
        ScrapeRunFactory(marketplace=marketplace, status=status, started_at=now - timedelta(hours=hours))


def test_a_search_detail_shows_its_marketplaces_health_and_only_to_its_owner(
    alice: Any, alice_api: Any, bob_api: Any, settings: Any
) -> None:
    settings.MARKETPLACE_OUTAGE_AFTER_HOURS = 6
    broken, fine = MarketplaceFactory(slug="broken"), MarketplaceFactory(slug="fine")
    runs(broken, ("ok", 30), ("blocked", 10), ("blocked", 0.2))
    runs(fine, ("ok", 0.2))
    search = SearchFactory(owner=alice, marketplaces=[fine, broken])

    detail = alice_api.get(f"/api/v1/searches/{search.pk}/").json()

    assert [(h["slug"], h["state"]) for h in detail["marketplaces_health"]] == [("broken", "down"), ("fine", "healthy")]
    assert bob_api.get(f"/api/v1/searches/{search.pk}/").status_code == 404
    listed = alice_api.get("/api/v1/searches/").json()["results"][0]
    assert "marketplaces_health" not in listed  # the list stays cheap
