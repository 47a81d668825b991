"""Hostile and broken pages over a real local HTTP server: every scout writes exactly one run.

NaN in JSON-LD, a NUL byte in a title, redirects to port 99999 and to ``http://[::1/ok``,
prices of 1e20 and "1e30", a negative price, a database that refuses the insert, a bot
challenge with an ETag. A bad field drops that field, a bad row drops that row (counted
on the run), never the page. Runs on SQLite and, with DATABASE_URL, on PostgreSQL
(whose jsonb refuses NaN and NUL, and whose numeric(12,2) refuses 1e20).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from werkzeug.wrappers import Response

from listings.agents import ScoutQuery
from listings.models import Listing, PriceObservation, ScrapeRun
from listings.scrape_health import scrape_health
from listings.services import marketplace_scout
from listings.tests.conftest import capture

GOOD = {
    "@type": "Product",
    "name": "Fuji X100V silver",
    "sku": "good-1",
    "url": "/p/good-1",
    "offers": {"@type": "Offer", "price": "899.00", "priceCurrency": "EUR"},
}


def page(*products: dict[str, Any], raw_json: str | None = None) -> bytes:
    """A shop page whose JSON-LD ItemList holds these products (or this exact JSON text)."""
    text = (
        raw_json
        if raw_json is not None
        else json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "ItemList",
                "itemListElement": [{"@type": "ListItem", "position": i + 1, "item": p} for i, p in enumerate(products)],
            }
        )
    )
    return f'<!doctype html><html><head><script type="application/ld+json">{text}</script></head><body>shop</body></html>'.encode()


def product(sku: str, price: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "Product",
        "name": f"Camera {sku}",
        "sku": sku,
        "url": f"/p/{sku}",
        "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR"},
        **extra,
    }


class RawRedirect(Response):
    """A redirect whose Location goes out byte for byte: werkzeug would refuse to send a malformed one."""

    def get_wsgi_headers(self, environ: Any) -> Any:  # noqa: ARG002
        return self.headers


def scout(marketplace: Any, text: str = "camera") -> ScrapeRun:
    before = ScrapeRun.objects.count()
    run = marketplace_scout(query=ScoutQuery(marketplace_id=marketplace.pk, text=text)).run
    assert ScrapeRun.objects.count() == before + 1  # exactly one run, whatever the page held
    run.refresh_from_db()
    return run


@pytest.fixture
def shop(make_marketplace: Any) -> Any:
    return make_marketplace("jsonld", slug="hostile-shop", default_currency="EUR")


def test_nan_in_json_ld_is_stored_as_null_and_the_listing_kept(shop: Any, site: Any) -> None:
    raw = json.dumps({"@type": "ItemList", "itemListElement": [{"item": GOOD}, {"item": product("nan-1", 10)}]})
    raw = raw.replace('"price": 10', '"price": NaN, "weight": Infinity, "ratio": -Infinity')
    site.expect_request("/search").respond_with_data(page(raw_json=raw), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.listings_found, run.rows_rejected) == ("ok", 2, 0)
    stored = Listing.objects.get(marketplace=shop, external_id="nan-1")
    assert stored.price is None  # NaN is no price
    assert stored.raw["offers"] == {"@type": "Offer", "price": None, "weight": None, "ratio": None, "priceCurrency": "EUR"}


def test_nul_bytes_and_control_characters_are_stripped_from_text(shop: Any, site: Any) -> None:
    nasty = product("nul-1", "12.50", name="Leica\u0000 M6\u0007 body", image="https://img.example/\u0000x.jpg")
    nasty["offers"]["seller"] = {"name": "bad\u0000seller"}
    site.expect_request("/search").respond_with_data(page(GOOD, nasty), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.listings_found) == ("ok", 2)
    stored = Listing.objects.get(marketplace=shop, external_id="nul-1")
    assert stored.title == "Leica M6 body"
    assert stored.seller == "bad seller"
    assert "\u0000" not in json.dumps(stored.raw)


@pytest.mark.parametrize("price", [1e20, "1e30", "99999999999", 99999999999.99])
def test_a_price_beyond_the_column_drops_that_listing_only(shop: Any, site: Any, price: Any) -> None:
    site.expect_request("/search").respond_with_data(page(GOOD, product("huge-1", price)), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.listings_found, run.rows_rejected) == ("ok", 1, 1)
    assert run.rejections[0]["external_id"] == "huge-1"
    assert "beyond the column" in run.rejections[0]["reason"]
    assert list(Listing.objects.filter(marketplace=shop).values_list("external_id", flat=True)) == ["good-1"]


@pytest.mark.parametrize("price", ["-5", -5, "-$5.00", "−12,50 €"])
def test_a_negative_price_is_never_stored_as_positive(shop: Any, site: Any, price: Any) -> None:
    site.expect_request("/search").respond_with_data(page(GOOD, product("neg-1", price)), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.rows_rejected) == ("ok", 1)
    assert "negative" in run.rejections[0]["reason"]
    assert not Listing.objects.filter(marketplace=shop, external_id="neg-1").exists()
    assert not PriceObservation.objects.filter(price__gt=0, listing__external_id="neg-1").exists()


def test_a_price_in_no_iso_currency_drops_the_listing(shop: Any, site: Any) -> None:
    bogus = product("cur-1", "10.00")
    bogus["offers"]["priceCurrency"] = "ZZZ"
    site.expect_request("/search").respond_with_data(page(GOOD, bogus), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.listings_found, run.rows_rejected) == ("ok", 1, 1)
    assert "unknown currency" in run.rejections[0]["reason"]


def test_a_page_whose_every_listing_is_refused_is_a_parse_error_with_the_reason(shop: Any, site: Any) -> None:
    site.expect_request("/search").respond_with_data(page(product("neg-1", "-1"), product("neg-2", "-2")), content_type="text/html")
    run = scout(shop)
    assert (run.status, run.rows_rejected, run.listings_found) == ("parse_error", 2, 0)
    assert "all 2 listings on the page were refused" in run.error
    assert not Listing.objects.filter(marketplace=shop).exists()


@pytest.mark.parametrize("location", ["http://127.0.0.1:99999/ok", "http://[::1/ok", "http://[::1]:99999/x", "http://exa mple.com:-1/"])
def test_a_redirect_to_a_malformed_url_is_an_http_error_run(shop: Any, site: Any, location: str) -> None:
    site.expect_request("/search").respond_with_response(RawRedirect("", status=302, headers={"Location": location}))
    run = scout(shop)
    assert (run.status, run.http_status) == ("http_error", None)
    assert "malformed URL" in run.error
    assert [entry[0].path for entry in site.log].count("/search") == 1  # sent once, not retried
    assert not Listing.objects.filter(marketplace=shop).exists()


def test_a_database_error_while_storing_is_a_failed_run_with_its_reason(shop: Any, site: Any) -> None:
    site.expect_request("/search").respond_with_data(page(GOOD), content_type="text/html")
    with connection.cursor() as cursor:  # a real refusal by the database, rolled back with the test
        cursor.execute(f"DROP TABLE {PriceObservation._meta.db_table}")
    run = scout(shop)
    assert run.status == "failed"
    assert "storing the listings failed" in run.error
    assert not Listing.objects.filter(marketplace=shop).exists()  # the upsert's transaction rolled back
    (health,) = [row for row in scrape_health() if row.slug == shop.slug]
    assert not health.healthy and health.last_error == run.error  # the operator sees it


def test_a_broken_selectors_config_is_a_failed_run_naming_the_key(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("selectors", slug="broken-selectors", config={"item": "li.result[", "title": "a", "link": "a"})
    run = scout(market)
    assert run.status == "failed"
    assert "'item' is not a valid CSS selector" in run.error


# --- validators (ETag, Last-Modified) --------------------------------------------------


def test_a_bot_challenge_with_an_etag_is_not_kept_as_validator(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("ebay_html", slug="ebay-etag", default_currency="GBP")
    # Were the challenge's ETag sent back, the site would answer 304 and the run be "ok".
    site.expect_request("/sch/i.html", headers={"If-None-Match": '"challenge"'}).respond_with_data("", status=304)
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ebay_bot_challenge_2026-07.html"), headers={"ETag": '"challenge"'})
    first = scout(market)
    second = scout(market)
    assert (first.status, second.status) == ("blocked", "blocked")
    assert second.http_status == 200
    assert "If-None-Match" not in site.log[-1][0].headers


def test_an_unreadable_page_with_an_etag_is_refetched_next_round(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("ebay_html", slug="ebay-garbage", default_currency="GBP")
    site.expect_request("/sch/i.html", headers={"If-None-Match": '"junk"'}).respond_with_data("", status=304)
    site.expect_request("/sch/i.html").respond_with_data(b"<html><body>maintenance</body></html>", headers={"ETag": '"junk"'})
    assert [scout(market).status for _ in range(2)] == ["parse_error", "parse_error"]


def test_a_page_that_parsed_keeps_its_etag_and_the_next_round_is_a_304(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("ebay_html", slug="ebay-good-etag", default_currency="GBP")
    site.expect_request("/sch/i.html", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ebay_srp_2025-08_uk_bluray_scard.html"), headers={"ETag": '"v1"'})
    first = scout(market)
    second = scout(market)
    assert (first.status, first.listings_found) == ("ok", 60)
    assert (second.status, second.http_status, second.listings_updated) == ("ok", 304, 60)


def test_an_explicit_no_results_page_keeps_its_etag(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("ebay_html", slug="ebay-empty-etag")
    site.expect_request("/sch/i.html", headers={"If-None-Match": '"e1"'}).respond_with_data("", status=304)
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ours_srp_no_results_2026-11.html"), headers={"ETag": '"e1"'})
    assert [scout(market).status for _ in range(2)] == ["empty", "ok"]


def test_the_good_listings_of_a_page_with_bad_rows_get_their_price_history(shop: Any, site: Any) -> None:
    site.expect_request("/search").respond_with_data(page(GOOD, product("neg-1", "-3"), product("huge", 1e20)), content_type="text/html")
    run = scout(shop)
    assert (run.listings_created, run.rows_rejected) == (1, 2)
    assert list(PriceObservation.objects.filter(listing__marketplace=shop).values_list("price", flat=True)) == [Decimal("899.00")]


def test_a_nul_byte_inside_a_real_ebay_title_is_stored_without_it(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("ebay_html", slug="ebay-nul", default_currency="GBP")
    page = capture("ebay/ebay_srp_2025-08_uk_bluray_scard.html").replace(b"Umbrella CREEP", b"Umbrella\x00 CREEP\x1b", 1)
    site.expect_request("/sch/i.html").respond_with_data(page, content_type="text/html")
    run = scout(market)
    assert (run.status, run.listings_found, run.rows_rejected) == ("ok", 60, 0)
    creep = Listing.objects.get(marketplace=market, external_id="357137470627")
    assert "\x00" not in creep.title and "\x1b" not in creep.title
    assert creep.title.startswith("Umbrella") and "CREEP" in creep.title
