"""Searches through the API: CRUD, run now, pause/resume, market summary, and nobody else's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dealscout.api import Pagination
from listings.tests.factories import ListingFactory, MarketplaceFactory
from searches.models import Search
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db


def _create(api, **overrides):
    payload = {"name": "Laptop", "query": "ThinkPad  X1", "max_price": "600.00", "marketplaces": ["sandbox"], **overrides}
    return api.post("/api/v1/searches/", payload)


def test_create_read_update_delete(alice_api, alice, market):
    created = _create(alice_api, excluded_terms=["broken"])
    assert created.status_code == 201, created.content
    search_id = created.json()["id"]
    assert Search.objects.get(pk=search_id).owner == alice
    assert created.json()["marketplaces"] == ["sandbox"]

    assert alice_api.get(f"/api/v1/searches/{search_id}/").json()["excluded_terms"] == ["broken"]
    changed = alice_api.patch(f"/api/v1/searches/{search_id}/", {"max_price": "450.00", "interval_minutes": 30})
    assert changed.status_code == 200
    assert changed.json()["max_price"] == "450.00"
    assert [s["id"] for s in alice_api.get("/api/v1/searches/").json()["results"]] == [search_id]

    assert alice_api.delete(f"/api/v1/searches/{search_id}/").status_code == 204
    assert not Search.objects.filter(pk=search_id).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"min_price": "700.00"}, "min_price"),  # above max_price 600
        ({"max_price": "-1"}, "max_price"),
        ({"interval_minutes": 1}, "interval_minutes"),
        ({"marketplaces": ["nowhere"]}, "marketplaces"),
        ({"marketplaces": []}, "marketplaces"),
        ({"marketplaces": ["sand\x00box"]}, "marketplaces"),  # PostgreSQL would refuse the NUL byte
        ({"name": "nul\x00byte"}, "name"),
        ({"currency": "dollars"}, "currency"),
        ({"name": ""}, "name"),
    ],
)
def test_create_rejects_bad_input_with_field_errors(alice_api, market, payload, field):
    response = _create(alice_api, **payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"], body
    assert not Search.objects.exists()


def test_cannot_subscribe_a_disabled_marketplace(alice_api, market):
    market.enabled = False
    market.save()
    assert _create(alice_api).status_code == 400


def test_put_is_not_offered(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    response = alice_api.put(f"/api/v1/searches/{search.pk}/", {"name": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_run_now_queues_one_scout_per_enabled_marketplace(alice_api, alice, market, task_queue, django_capture_on_commit_callbacks):
    off = MarketplaceFactory(slug="off", enabled=False)
    search = SearchFactory(owner=alice, query="ThinkPad  X1", marketplaces=[market, off])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(f"/api/v1/searches/{search.pk}/run/")
    assert response.status_code == 202
    assert response.json() == {"search_id": search.pk, "scouts_queued": 1, "status": "queued"}
    tasks = task_queue.drain()
    assert [task["func"] for task in tasks] == ["searches.tasks.scout"]
    query, search_ids = tasks[0]["args"]
    assert search_ids == [search.pk]
    assert query["marketplace_id"] == market.pk and query["text"] == "thinkpad x1"


def test_run_now_on_a_paused_search_is_refused_and_queues_nothing(alice_api, alice, market, task_queue, django_capture_on_commit_callbacks):
    search = SearchFactory(owner=alice, is_active=False, marketplaces=[market])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post(f"/api/v1/searches/{search.pk}/run/")
    assert response.status_code == 400
    assert response.json()["code"] == "search_paused"
    assert task_queue.size() == 0


def test_run_now_has_its_own_throttle_with_retry_after(alice_api, alice, market, settings, task_queue):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "scout": "2/hour"}
    search = SearchFactory(owner=alice, marketplaces=[market])
    codes = [alice_api.post(f"/api/v1/searches/{search.pk}/run/").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    throttled = alice_api.post(f"/api/v1/searches/{search.pk}/run/")
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled"
    assert alice_api.get(f"/api/v1/searches/{search.pk}/").status_code == 200  # other actions unaffected


def test_pause_and_resume(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market], next_run_at=timezone.now() + timedelta(hours=3))
    paused = alice_api.post(f"/api/v1/searches/{search.pk}/pause/")
    assert paused.status_code == 200 and paused.json()["is_active"] is False
    search.refresh_from_db()
    assert search.is_active is False

    before = timezone.now()
    resumed = alice_api.post(f"/api/v1/searches/{search.pk}/resume/")
    assert resumed.json()["is_active"] is True
    search.refresh_from_db()
    assert search.is_active and search.next_run_at >= before and search.next_run_at <= timezone.now()


def test_market_summary_uses_convertible_prices_and_recent_listings(alice_api, alice, market):
    search = SearchFactory(owner=alice, currency="USD", marketplaces=[market])
    for price in ["100.00", "200.00", "300.00", "1000.00"]:
        MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal(price)))
    # A currency without an ECB rate cannot be counted (conversion: test_money_and_market).
    MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal("5.00"), currency="XBT"))
    stale = ListingFactory(marketplace=market, price=Decimal("1.00"), last_seen_at=timezone.now() - timedelta(days=60))
    MatchFactory(search=search, listing=stale)
    MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=None))

    body = alice_api.get(f"/api/v1/searches/{search.pk}/market-summary/").json()
    assert body == {
        "currency": "USD",
        "listings_seen": 7,
        "priced_listings": 4,
        "median_price": "250.00",
        "low_price": "100.00",
        "high_price": "1000.00",
        "spread": "900.00",
        "window_days": 30,
    }


def test_market_summary_of_a_search_without_matches(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    body = alice_api.get(f"/api/v1/searches/{search.pk}/market-summary/").json()
    assert body["listings_seen"] == 0 and body["median_price"] is None and body["spread"] is None


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("patch", ""), ("delete", ""), ("post", "run/"), ("post", "pause/"), ("post", "resume/"), ("get", "market-summary/")],
)
def test_another_users_search_is_a_404(bob_api, alice, market, method, suffix, task_queue):
    search = SearchFactory(owner=alice, marketplaces=[market])
    response = getattr(bob_api, method)(f"/api/v1/searches/{search.pk}/{suffix}", {} if method != "get" else None)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    search.refresh_from_db()
    assert search.is_active and task_queue.size() == 0


def test_list_shows_only_your_searches(alice_api, alice, bob, market):
    mine = SearchFactory(owner=alice, marketplaces=[market])
    SearchFactory(owner=bob, marketplaces=[market])
    assert [s["id"] for s in alice_api.get("/api/v1/searches/").json()["results"]] == [mine.pk]


def test_list_query_count_does_not_grow_with_page_size(alice_api, alice, market, assert_constant_queries):
    other = MarketplaceFactory(slug="other")
    for _ in range(12):
        SearchFactory(owner=alice, marketplaces=[market, other])
    assert_constant_queries(alice_api, "/api/v1/searches/", small=2, large=12)


def test_page_size_is_capped(alice_api, alice, market, monkeypatch):
    monkeypatch.setattr(Pagination, "max_page_size", 2)
    for _ in range(3):
        SearchFactory(owner=alice, marketplaces=[market])
    body = alice_api.get("/api/v1/searches/?page_size=50").json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=50")


def test_every_write_through_the_api_is_an_event_with_ids_only(alice_api, alice, market, caplog):  # noqa: ANN001
    caplog.set_level("INFO", logger="searches.services")
    created = _create(alice_api)
    search_id = created.json()["id"]
    assert alice_api.patch(f"/api/v1/searches/{search_id}/", {"name": "Laptops"}, format="json").status_code == 200
    assert alice_api.delete(f"/api/v1/searches/{search_id}/").status_code == 204
    events = [(record.msg, record.search_id) for record in caplog.records if record.name == "searches.services"]
    assert events == [("search_created", search_id), ("search_updated", search_id), ("search_deleted", search_id)]
    assert alice.email not in caplog.text and "ThinkPad" not in caplog.text
