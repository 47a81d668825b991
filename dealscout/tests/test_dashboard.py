"""GET /api/v1/dashboard/: counts, best deals and scrape health, for one person only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.tests.factories import AlertFactory
from listings.tests.factories import ListingFactory, MarketplaceFactory, ScrapeRunFactory
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counts_and_best_deals(alice_api, alice, bob, market):
    now = timezone.now()
    active = SearchFactory(owner=alice, marketplaces=[market])
    SearchFactory(owner=alice, is_active=False, marketplaces=[market])
    bobs = SearchFactory(owner=bob, marketplaces=[market])
    scores = [50, 40, 30, 20, 10, 5]
    deals = [MatchFactory(search=active, deal_score=Decimal(score)) for score in scores]
    MatchFactory(search=active, deal_score=Decimal(99), dismissed=True)
    MatchFactory(search=active, deal_score=Decimal(98), listing=ListingFactory(is_active=False))
    MatchFactory(search=active, deal_score=None)
    MatchFactory(search=active, deal_score=Decimal(1), matched_at=now - timedelta(days=2))
    MatchFactory(search=bobs, deal_score=Decimal(97))
    AlertFactory(search=active)
    AlertFactory(search=active, read_at=now)
    AlertFactory(search=bobs)

    body = alice_api.get("/api/v1/dashboard/").json()
    assert body["active_searches"] == 1
    assert body["listings_last_24h"] == 6 + 1 + 1  # not dismissed, not older than a day
    assert body["unread_alerts"] == 1
    assert [row["id"] for row in body["best_deals"]] == [m.pk for m in deals[:5]]


def test_dashboard_scrape_health_per_marketplace(alice_api, market):
    broken = MarketplaceFactory(slug="broken")
    MarketplaceFactory(slug="idle")
    now = timezone.now()
    ScrapeRunFactory(marketplace=market, status="ok", started_at=now - timedelta(minutes=2))
    ScrapeRunFactory(marketplace=market, status="timeout", started_at=now - timedelta(hours=3), error="read timed out")
    ScrapeRunFactory(marketplace=broken, status="ok", started_at=now - timedelta(minutes=50))
    ScrapeRunFactory(marketplace=broken, status="blocked", started_at=now - timedelta(minutes=20), error="captcha")
    ScrapeRunFactory(marketplace=broken, status="parse_error", started_at=now - timedelta(minutes=10), error="no items")

    health = {row["slug"]: row for row in alice_api.get("/api/v1/dashboard/").json()["scrape_health"]}
    assert set(health) == {"sandbox", "broken", "idle"}
    assert health["sandbox"]["healthy"] is True and health["sandbox"]["failures_last_hour"] == 0
    assert health["sandbox"]["last_status"] == "ok"
    assert health["broken"]["healthy"] is False and health["broken"]["failures_last_hour"] == 2
    assert health["broken"]["last_status"] == "parse_error"
    assert health["idle"]["last_run_at"] is None and health["idle"]["failures_last_hour"] == 0
    assert "error" not in health["broken"]  # error texts stay in the operator console


def test_dashboard_needs_authentication(api_client):
    assert api_client.get("/api/v1/dashboard/").status_code == 401


def test_scrape_health_on_the_dashboard_is_shared_for_a_few_seconds(alice_api, bob_api, market):
    ScrapeRunFactory(marketplace=market, status="ok")
    first = alice_api.get("/api/v1/dashboard/").json()["scrape_health"]
    ScrapeRunFactory(marketplace=market, status="blocked", started_at=timezone.now())
    assert bob_api.get("/api/v1/dashboard/").json()["scrape_health"] == first  # cached
    from django.core.cache import cache, caches

    from listings.scrape_health import CACHE_KEY

    cache.delete(CACHE_KEY)  # as after CACHE_SECONDS: this process still has its own copy
    assert alice_api.get("/api/v1/dashboard/").json()["scrape_health"] == first
    caches["local"].clear()  # as after HEALTH_LOCAL_SECONDS too
    assert alice_api.get("/api/v1/dashboard/").json()["scrape_health"][0]["last_status"] == "blocked"


def test_health_rows_write_what_the_schema_serializer_writes(clean_cache, market):
    # The dashboard writes the scrape health with a plain function (the hot path); the
    # serializer documents it. Both must give the same bytes, dates and empty ones included.
    from dealscout.dashboard import ScrapeHealthSerializer, _health, health_rows

    MarketplaceFactory(slug="idle")
    broken = MarketplaceFactory(slug="broken")
    ScrapeRunFactory(marketplace=market, status="ok", started_at=timezone.now() - timedelta(minutes=3))
    ScrapeRunFactory(marketplace=broken, status="blocked", started_at=timezone.now() - timedelta(minutes=1), error="captcha")

    written = health_rows()
    assert written == ScrapeHealthSerializer(_health(), many=True).data
    by_slug = {row["slug"]: row for row in written}
    assert by_slug["idle"]["last_run_at"] is None and by_slug["broken"]["last_error_at"] is not None
    assert set(by_slug["sandbox"]) == set(ScrapeHealthSerializer().fields)
