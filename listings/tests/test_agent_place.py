"""What each agent asks its site for a search's place, as the (local) site receives it."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from listings.agents import ScoutQuery
from listings.services import marketplace_scout
from listings.tests.conftest import capture


def received(site: Any, path: str) -> Any:
    requests = [request for request, _ in site.log if request.path == path]
    assert requests, f"the site never received {path}"
    return requests[-1]


def test_craigslist_searches_around_the_zip_in_whole_miles(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/search/sss").respond_with_data(capture("craigslist/cl_2025-10_sfbay_sss_surfboard_static_prettified.html"))
    market = make_marketplace("craigslist")
    run = marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="surfboard", postal_code="94103", radius_km=40)).run
    assert run.status == "ok"
    args = received(site, "/search/sss").args
    assert (args["postal"], args["search_distance"], args["query"]) == ("94103", "25", "surfboard")  # 40 km = 24.9 mi


def test_ebay_html_asks_for_items_within_a_distance_of_the_zip(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ebay_srp_2025-08_uk_bluray_scard.html"))
    market = make_marketplace("ebay_html")
    marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="blu ray", postal_code="94103", radius_km=40))
    args = received(site, "/sch/i.html").args
    assert (args["_stpos"], args["_sadis"], args["LH_PrefLoc"]) == ("94103", "25", "99")


def test_ebay_html_speaks_kilometres_where_the_site_does(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ebay_srp_2025-08_uk_bluray_scard.html"))
    market = make_marketplace("ebay_html", config={"distance_unit": "km"})
    marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="blu ray", postal_code="10115", radius_km=40))
    assert received(site, "/sch/i.html").args["_sadis"] == "40"


def test_ebay_api_filters_by_pickup_radius_and_delivery_country_and_says_where_the_buyer_is(
    make_marketplace: Any, site: Any, settings: Any
) -> None:
    settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = "id", "secret"
    site.expect_request("/token").respond_with_json({"access_token": "t", "expires_in": 7200})
    site.expect_request("/buy/browse/v1/item_summary/search").respond_with_data(
        capture("ebay/ours_browse_search_2026-11.json"), content_type="application/json"
    )
    market = make_marketplace("ebay", config={"token_url": site.url_for("/token")})
    query = ScoutQuery(marketplace_id=market.pk, text="fuji x100v", country="US", postal_code="94103", radius_km=40)
    assert marketplace_scout(query=query).run.status == "ok"
    request = received(site, "/buy/browse/v1/item_summary/search")
    filters = request.args["filter"].split(",")
    for expected in ("deliveryCountry:US", "pickupCountry:US", "pickupPostalCode:94103", "pickupRadius:40", "pickupRadiusUnit:km"):
        assert expected in filters
    assert unquote(request.headers["X-EBAY-C-ENDUSERCTX"]) == "contextualLocation=country=US,zip=94103"


def test_ebay_api_without_a_postal_code_asks_only_for_delivery_to_the_country(make_marketplace: Any, site: Any, settings: Any) -> None:
    settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = "id", "secret"
    site.expect_request("/token").respond_with_json({"access_token": "t", "expires_in": 7200})
    site.expect_request("/buy/browse/v1/item_summary/search").respond_with_data(
        capture("ebay/ours_browse_search_2026-11.json"), content_type="application/json"
    )
    market = make_marketplace("ebay", config={"token_url": site.url_for("/token"), "marketplace_id": "EBAY_DE"})
    marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="fuji x100v", country="DE", radius_km=40))
    request = received(site, "/buy/browse/v1/item_summary/search")
    assert "deliveryCountry:DE" in request.args["filter"] and "pickup" not in request.args["filter"]
    assert unquote(request.headers["X-EBAY-C-ENDUSERCTX"]) == "contextualLocation=country=DE"


def test_facebook_asks_the_citys_page_with_a_radius_in_km(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/marketplace/sanfrancisco/search/").respond_with_data(capture("facebook/fb_mp_search_bike_nyc_2026.html"))
    market = make_marketplace("facebook", config={"city": "nyc"})
    run = marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="bike", city="San Francisco", radius_km=40)).run
    assert run.status == "ok"
    assert received(site, "/marketplace/sanfrancisco/search/").args["radius"] == "40"


@pytest.mark.parametrize(("city", "slug"), [("New York City", "nyc"), ("Los Angeles", "la"), ("Köln", "koln"), ("St. Louis", "stlouis")])
def test_facebook_city_slugs(city: str, slug: str) -> None:
    from listings.agents.facebook import city_slug

    assert city_slug(city) == slug


def test_without_a_place_no_site_is_asked_for_one(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/search/sss").respond_with_data(capture("craigslist/cl_2025-10_sfbay_sss_surfboard_static_prettified.html"))
    market = make_marketplace("craigslist")
    marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="surfboard"))
    args = received(site, "/search/sss").args
    assert "postal" not in args and "search_distance" not in args
