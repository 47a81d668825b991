"""marketplace_health: healthy, degraded, down, unknown, in a constant number of queries; and the API on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import ScrapeRun
from listings.selectors import marketplace_health
from listings.tests.factories import MarketplaceFactory, ScrapeRunFactory

pytestmark = pytest.mark.django_db


def runs(marketplace: Any, *history: tuple[str, float]) -> None:
    """(status, hours ago) pairs."""
    now = timezone.now()
    for status, hours in history:
        ScrapeRunFactory(marketplace=marketplace, status=status, started_at=now - timedelta(hours=hours))


def test_states_follow_the_last_runs_and_the_threshold(settings: Any) -> None:
    settings.MARKETPLACE_OUTAGE_AFTER_HOURS = 6
    healthy, degraded, down, never, empty_ok = MarketplaceFactory.create_batch(5)
    runs(healthy, ("http_error", 10), ("ok", 1))
    runs(degraded, ("ok", 3), ("timeout", 2), ("blocked", 1))
    runs(down, ("ok", 20), ("blocked", 8), ("skipped", 7), ("blocked", 0.1))
    runs(empty_ok, ("parse_error", 9), ("empty", 0.5))

    health = marketplace_health(marketplace_ids=[m.pk for m in (healthy, degraded, down, never, empty_ok)])

    assert {m.slug: health[m.pk].state for m in (healthy, degraded, down, never, empty_ok)} == {
        healthy.slug: "healthy",
        degraded.slug: "degraded",
        down.slug: "down",
        never.slug: "unknown",
        empty_ok.slug: "healthy",
    }
    assert health[down.pk].recent_statuses == ["blocked", "skipped", "blocked", "ok"]
    assert (
        health[down.pk].failing_since
        == ScrapeRun.objects.get(marketplace=down, status="blocked", started_at__lt=timezone.now() - timedelta(hours=7.5)).started_at
    )
    assert health[down.pk].last_good_run_at < health[down.pk].failing_since
    assert health[healthy.pk].failing_since is None


def test_a_marketplace_that_never_had_a_good_run_is_down_once_it_fails_long_enough(settings: Any) -> None:
    settings.MARKETPLACE_OUTAGE_AFTER_HOURS = 6
    young, old = MarketplaceFactory.create_batch(2)
    runs(young, ("http_error", 2))
    runs(old, ("http_error", 7), ("http_error", 1))
    health = marketplace_health(marketplace_ids=[young.pk, old.pk])
    assert (health[young.pk].state, health[old.pk].state) == ("degraded", "down")
    assert health[old.pk].last_good_run_at is None


def test_health_is_one_query_for_one_marketplace_or_twenty() -> None:
    markets = MarketplaceFactory.create_batch(20)
    for market in markets:
        runs(market, ("ok", 3), ("blocked", 2), ("blocked", 1))
    with CaptureQueriesContext(connection) as one:
        marketplace_health(marketplace_ids=[markets[0].pk])
    with CaptureQueriesContext(connection) as twenty:
        result = marketplace_health(marketplace_ids=[m.pk for m in markets])
    assert len(one) == len(twenty) == 1
    assert all(len(h.recent_statuses) == 3 for h in result.values())


# --- GET /api/v1/marketplaces/ ----------------------------------------------------------


def test_marketplaces_need_a_signed_in_user(api_client: Any) -> None:
    assert api_client.get("/api/v1/marketplaces/").status_code == 401


def test_signed_in_users_all_see_the_same_enabled_marketplaces_with_health(alice_api: Any, bob_api: Any) -> None:
    uk = MarketplaceFactory(slug="ebay-html-uk", name="eBay UK", agent="ebay_html", default_currency="GBP", country="GB")
    MarketplaceFactory(slug="off", enabled=False)
    runs(uk, ("blocked", 2), ("ok", 1))

    body = alice_api.get("/api/v1/marketplaces/").json()

    assert body == bob_api.get("/api/v1/marketplaces/").json()
    assert [row["slug"] for row in body["results"]] == ["ebay-html-uk"]
    row = body["results"][0]
    assert {key: row[key] for key in ("name", "agent", "country", "currency", "server_side_filters")} == {
        "name": "eBay UK",
        "agent": "ebay_html",
        "country": "GB",
        "currency": "GBP",
        "server_side_filters": ["condition", "max_price", "min_price"],
    }
    assert row["health"]["state"] == "healthy"
    assert row["health"]["recent_statuses"] == ["ok", "blocked"]
    assert row["health"]["last_good_run_at"] is not None


def test_one_marketplace_by_slug_and_404_for_a_disabled_one(alice_api: Any) -> None:
    MarketplaceFactory(slug="shop", agent="jsonld")
    MarketplaceFactory(slug="off", enabled=False)
    detail = alice_api.get("/api/v1/marketplaces/shop/").json()
    assert (detail["slug"], detail["server_side_filters"], detail["health"]["state"]) == ("shop", [], "unknown")
    assert alice_api.get("/api/v1/marketplaces/off/").status_code == 404


def test_the_list_costs_the_same_queries_at_any_page_size(alice_api: Any, assert_constant_queries: Any) -> None:
    for market in MarketplaceFactory.create_batch(6):
        runs(market, ("ok", 2), ("timeout", 1))
    assert_constant_queries(alice_api, "/api/v1/marketplaces/", small=2, large=6)
