"""The owner's matched listings: filters, ordering, detail, save/unsave/dismiss, nobody else's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.tests.factories import ListingFactory, MarketplaceFactory, PriceObservationFactory
from searches.models import Match
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(alice, market):
    """Alice's matches: a spread of prices, scores, conditions, markets and ages."""
    ebay = MarketplaceFactory(slug="ebay")
    laptops = SearchFactory(owner=alice, name="laptops", marketplaces=[market, ebay])
    phones = SearchFactory(owner=alice, name="phones", marketplaces=[market])
    now = timezone.now()
    rows = {
        "cheap": MatchFactory(
            search=laptops,
            listing=ListingFactory(marketplace=market, price=Decimal("100"), condition="used", first_seen_at=now - timedelta(days=3)),
            deal_score=Decimal("40"),
        ),
        "mid": MatchFactory(
            search=laptops,
            listing=ListingFactory(marketplace=ebay, price=Decimal("300"), condition="new", first_seen_at=now - timedelta(hours=2)),
            deal_score=Decimal("5"),
        ),
        "dear": MatchFactory(
            search=laptops,
            listing=ListingFactory(marketplace=market, price=Decimal("900"), condition="used", first_seen_at=now - timedelta(hours=1)),
            deal_score=None,
            saved=True,
        ),
        "phone": MatchFactory(
            search=phones,
            listing=ListingFactory(marketplace=market, price=Decimal("250"), condition="refurbished", first_seen_at=now),
            deal_score=Decimal("20"),
        ),
    }
    rows["hidden"] = MatchFactory(search=phones, listing=ListingFactory(marketplace=market), dismissed=True)
    return rows


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_your_undismissed_matches_newest_first(alice_api, catalogue):
    expected = sorted((m for k, m in catalogue.items() if k != "hidden"), key=lambda m: (m.matched_at, m.pk), reverse=True)
    assert _ids(alice_api.get("/api/v1/listings/")) == [m.pk for m in expected]


FILTER_CASES = [
    ({"search": "LAPTOPS"}, {"cheap", "mid", "dear"}),
    ({"marketplace": "ebay"}, {"mid"}),
    ({"min_price": "200", "max_price": "300"}, {"mid", "phone"}),
    ({"condition": "used"}, {"cheap", "dear"}),
    ({"min_deal_score": "20"}, {"cheap", "phone"}),
    ({"saved": "true"}, {"dear"}),
    ({"saved": "false"}, {"cheap", "mid", "phone"}),
    ({"first_seen_since": "HOURS_AGO_3"}, {"mid", "dear", "phone"}),
    ({"condition": "used", "max_price": "500"}, {"cheap"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_filters(alice_api, catalogue, query, expected):
    got = set(_ids(alice_api.get("/api/v1/listings/", _filter_query(query, catalogue))))
    assert got == {catalogue[key].pk for key in expected}


def _filter_query(query: dict[str, str], catalogue: dict[str, Match]) -> dict[str, str]:
    query = dict(query)
    if query.get("search") == "LAPTOPS":
        query["search"] = str(catalogue["cheap"].search_id)
    if query.get("first_seen_since") == "HOURS_AGO_3":
        query["first_seen_since"] = (timezone.now() - timedelta(hours=3)).isoformat()
    return query


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_the_count_is_of_every_filtered_match_not_of_the_page(alice_api, catalogue, query, expected):
    # The count is its own query (selectors.MatchRows): it must apply the same filters.
    body = alice_api.get("/api/v1/listings/", {**_filter_query(query, catalogue), "page_size": 1}).json()
    assert body["count"] == len(expected)
    assert len(body["results"]) == min(1, len(expected))


def test_the_count_reads_no_listing_unless_a_filter_needs_one(alice_api, catalogue):
    with CaptureQueriesContext(connection) as captured:
        assert alice_api.get("/api/v1/listings/", {"min_deal_score": "0"}).json()["count"] == 3
    (count,) = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and "searches_match" in q["sql"]]
    assert "listings_listing" not in count and "listings_marketplace" not in count
    with CaptureQueriesContext(connection) as captured:
        assert alice_api.get("/api/v1/listings/", {"marketplace": "ebay"}).json()["count"] == 1
    (count,) = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and "searches_match" in q["sql"]]
    assert "listings_marketplace" in count


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["cheap", "phone", "mid", "dear"]),
        ("-price", ["dear", "mid", "phone", "cheap"]),
        ("-deal_score", ["cheap", "phone", "mid", "dear"]),  # no score sorts last
        ("deal_score", ["mid", "phone", "cheap", "dear"]),
        ("first_seen", ["cheap", "mid", "dear", "phone"]),
        ("-first_seen", ["phone", "dear", "mid", "cheap"]),
    ],
)
def test_ordering(alice_api, catalogue, ordering, expected):
    assert _ids(alice_api.get("/api/v1/listings/", {"ordering": ordering})) == [catalogue[key].pk for key in expected]


@pytest.mark.parametrize(
    "query", [{"ordering": "title"}, {"min_price": "cheap"}, {"condition": "mint"}, {"first_seen_since": "yesterday"}, {"saved": "perhaps"}]
)
def test_bad_filter_values_are_a_400_naming_the_parameter(alice_api, catalogue, query):
    response = alice_api.get("/api/v1/listings/", query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)


def test_detail_has_price_history_in_order_and_the_score_explanation(alice_api, catalogue):
    match = catalogue["cheap"]
    now = timezone.now()
    PriceObservationFactory(listing=match.listing, price=Decimal("90"), observed_at=now - timedelta(hours=1))
    PriceObservationFactory(listing=match.listing, price=Decimal("120"), observed_at=now - timedelta(days=2))
    body = alice_api.get(f"/api/v1/listings/{match.pk}/").json()
    assert [row["price"] for row in body["price_history"]] == ["120.00", "90.00"]
    assert body["score_explanation"] == match.score_explanation
    assert body["listing_id"] == match.listing_id and body["marketplace"] == "sandbox"


def test_save_unsave_and_dismiss(alice_api, catalogue):
    match = catalogue["cheap"]
    assert alice_api.post(f"/api/v1/listings/{match.pk}/save/").json()["saved"] is True
    match.refresh_from_db()
    assert match.saved
    assert alice_api.post(f"/api/v1/listings/{match.pk}/unsave/").json()["saved"] is False
    match.refresh_from_db()
    assert not match.saved
    assert alice_api.post(f"/api/v1/listings/{match.pk}/dismiss/").status_code == 204
    match.refresh_from_db()
    assert match.dismissed
    assert match.pk not in _ids(alice_api.get("/api/v1/listings/"))
    assert alice_api.get(f"/api/v1/listings/{match.pk}/").status_code == 404


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "save/"), ("post", "unsave/"), ("post", "dismiss/")])
def test_another_users_listing_is_a_404(bob_api, catalogue, method, suffix):
    match = catalogue["dear"]
    response = getattr(bob_api, method)(f"/api/v1/listings/{match.pk}/{suffix}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    match.refresh_from_db()
    assert match.saved is True and match.dismissed is False


def test_bob_sees_none_of_alices_listings(bob_api, catalogue):
    assert _ids(bob_api.get("/api/v1/listings/")) == []
    assert _ids(bob_api.get("/api/v1/listings/", {"search": catalogue["cheap"].search_id})) == []


def test_list_query_count_does_not_grow_with_page_size(alice_api, alice, market, assert_constant_queries):
    search = SearchFactory(owner=alice, marketplaces=[market])
    for _ in range(15):
        MatchFactory(search=search, listing=ListingFactory(marketplace=MarketplaceFactory()))
    assert_constant_queries(alice_api, "/api/v1/listings/", small=3, large=15)
    assert Match.objects.count() == 15


def test_first_seen_since_takes_any_iso_offset_and_refuses_impossible_dates(alice_api, catalogue):
    # PostgreSQL refuses offsets beyond +-15:59 in a literal; the filter compares in UTC.
    assert len(_ids(alice_api.get("/api/v1/listings/", {"first_seen_since": "2000-01-01T00:00:00+17:52"}))) == 4
    response = alice_api.get("/api/v1/listings/", {"first_seen_since": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400 and "first_seen_since" in response.json()["errors"]


def test_fast_row_output_equals_drfs_generic_output(catalogue):
    from rest_framework import serializers

    from searches.api import MatchedListingSerializer
    from searches.selectors import match_list_for_user

    rows = list(match_list_for_user(user=catalogue["cheap"].search.owner))
    assert any(row.deal_score is None for row in rows)
    serializer = MatchedListingSerializer()
    for row in rows:
        assert serializer.to_representation(row) == serializers.ModelSerializer.to_representation(serializer, row)


def test_a_nul_byte_in_a_text_filter_is_a_400(alice_api, catalogue):
    response = alice_api.get("/api/v1/listings/", {"marketplace": "sand\x00box"})
    assert response.status_code == 400 and "marketplace" in response.json()["errors"]


@pytest.mark.parametrize(
    "query", [{"search": str(2**70)}, {"min_price": "1e30"}, {"max_price": "-5"}, {"min_deal_score": "99999999999999999999"}]
)
def test_absurd_numbers_are_a_400(alice_api, catalogue, query):
    response = alice_api.get("/api/v1/listings/", query)
    assert response.status_code == 400 and set(response.json()["errors"]) == set(query)


def test_an_id_too_long_to_exist_is_a_404(alice_api):
    response = alice_api.get(f"/api/v1/listings/{2**70}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert alice_api.get(f"/api/v1/searches/{2**70}/market-summary/").status_code == 404
