"""Each agent on real captures (and ours): field values for a few listings, counts for the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from listings.agents import BlockedPage, ParseContext, ParseError, agent_names, get_agent
from listings.tests.conftest import capture


def parse(agent: str, path: str, *, currency: str = "USD", url: str = "https://example.test/search", **config):  # noqa: ANN003, ANN201
    return get_agent(agent).parse(capture(path), ParseContext(url=url, default_currency=currency, config=config))


def by_id(result):  # noqa: ANN001, ANN201
    return {listing.external_id: listing for listing in result.listings}


def test_every_agent_is_registered() -> None:
    assert agent_names() == ["craigslist", "ebay", "ebay_html", "facebook", "jsonld", "rss", "selectors"]


# --- ebay_html ------------------------------------------------------------------------


def test_ebay_html_old_s_item_markup_reads_61_listings_and_skips_the_stray_sponsored_row() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2021-01_uk_warhammer_sitem.html", currency="GBP", url="https://www.ebay.co.uk/sch/i.html")
    assert len(result.listings) == 61
    assert result.no_results is False
    listings = by_id(result)
    first = listings["264901451112"]
    assert first.title == "Warhammer 40k Push-fit Primaris Space Marine Intercessor sprue 99380101121"
    assert first.url == "https://www.ebay.co.uk/itm/264901451112"  # slug dropped: one item, one URL
    assert (first.price, first.currency, first.shipping) == (Decimal("3.95"), "GBP", Decimal("23.91"))
    assert first.condition == "new"
    assert first.location == "United Kingdom"
    assert first.image_url == "https://i.ebayimg.com/thumbs/images/g/IdYAAOSw1wtfiWFd/s-l225.jpg"
    ranged = listings["124250904497"]  # "£5.99 to £14.99": the cheapest variant, the top kept in raw
    assert (ranged.price, ranged.raw["price_high"]) == (Decimal("5.99"), "14.99")
    new_listing = listings["143907255929"]  # the "New listing" badge is not part of the title
    assert new_listing.title == "Warhammer 40,000 Sergeant Jovan Store Anniversary Limited Edition SEALED OOP"
    assert all(listing.currency == "GBP" and listing.price is not None for listing in result.listings)
    assert all("?" not in listing.url for listing in result.listings)  # tracking parameters gone


def test_ebay_html_new_s_card_markup_reads_60_listings_and_skips_the_shop_on_ebay_placeholders() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-08_uk_bluray_scard.html", currency="GBP", url="https://www.ebay.co.uk/sch/i.html")
    assert len(result.listings) == 60
    listings = by_id(result)
    assert "123456" not in listings
    creep = listings["357137470627"]
    assert creep.title == "Umbrella CREEP Blu-ray Limited Collector’s Edition Brand New Sealed"
    assert creep.url == "https://www.ebay.co.uk/itm/357137470627"
    assert (creep.price, creep.currency, creep.shipping) == (Decimal("68.90"), "GBP", Decimal("0.00"))
    assert (creep.location, creep.seller, creep.condition) == ("Germany", "avant-garde-cinema", "new")
    last = listings["115923750041"]
    assert (last.price, last.location, last.seller) == (Decimal("73.98"), "Japan", "sdyk0022")
    assert sum(1 for listing in result.listings if listing.seller) == 60


def test_ebay_html_bot_challenge_is_blocked_not_empty() -> None:
    with pytest.raises(BlockedPage, match="bot challenge"):
        parse("ebay_html", "ebay/ebay_bot_challenge_2026-07.html")


def test_ebay_html_no_exact_matches_page_is_an_explicit_empty_result() -> None:
    result = parse("ebay_html", "ebay/ours_srp_no_results_2026-11.html")
    assert result.listings == [] and result.no_results is True


# --- ebay (Browse API) ----------------------------------------------------------------


def test_ebay_api_search_response_reads_fixed_price_and_auction_items() -> None:
    result = parse("ebay", "ebay/ours_browse_search_2026-11.json")
    listings = by_id(result)
    assert list(listings) == ["135500000001", "135500000002", "135500000003"]
    camera = listings["135500000001"]
    assert camera.title == "Fujifilm X100V Silver & original box"
    assert camera.url == "https://www.ebay.com/itm/135500000001"
    assert (camera.price, camera.currency, camera.shipping, camera.condition) == (Decimal("1099.00"), "USD", Decimal("12.50"), "used")
    assert camera.posted_at == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert (camera.location, camera.seller) == ("941**, US", "camera_corner")
    assert listings["135500000002"].condition == "for_parts"
    assert listings["135500000003"].price == Decimal("640.00")  # an auction: its current bid


def test_ebay_api_reads_a_real_get_item_response_despite_the_log_line_after_it() -> None:
    result = parse("ebay", "ebay/ebay_browse_api_getitem_2026-01_gb_redacted.json", currency="USD")
    (item,) = result.listings
    assert item.external_id == "326304900639"
    assert item.title == "Kawasaki Z1000R 2017-2018 BRAKE + CLUTCH LEVER FOLDING EXTENDING LASER ENGRAVED"
    assert (item.price, item.currency, item.shipping, item.condition) == (Decimal("53.49"), "GBP", Decimal("6.50"), "new")
    assert item.url == "https://www.ebay.co.uk/itm/326304900639"
    assert item.location == "Cleckheaton, West Yorkshire, GB"
    assert "REDACTED" not in repr(item.to_json())


def test_ebay_api_total_zero_is_an_explicit_empty_result() -> None:
    result = parse("ebay", "ebay/ours_browse_search_empty_2026-11.json")
    assert result.listings == [] and result.no_results is True


# --- craigslist -----------------------------------------------------------------------


def test_craigslist_static_rows_are_joined_with_the_json_ld_item_list() -> None:
    result = parse("craigslist", "craigslist/cl_2025-10_sfbay_sss_surfboard_static_prettified.html")
    assert len(result.listings) == 65
    listings = by_id(result)
    board = listings["7888520643"]
    assert board.title == "6’2 Bushwacker surfboard 37.6L"
    assert board.url == "https://sfbay.craigslist.org/sfc/spo/d/san-francisco-62-bushwacker-surfboard/7888520643.html"
    assert (board.price, board.currency, board.location) == (Decimal("400.00"), "USD", "richmond / seacliff")
    assert board.image_url == "https://images.craigslist.org/00r0r_bb0sFZ5YNM7_05s0ew_600x450.jpg"
    assert round(board.raw["latitude"], 3) == 37.782
    wetsuit = listings["7881528875"]
    assert (wetsuit.title, wetsuit.price, wetsuit.location) == ("O’Neill, Hyperfreak 4/3+ Wetsuit", Decimal("280.00"), "santa cruz")
    assert sum(1 for listing in result.listings if listing.image_url) >= 60


def test_craigslist_older_result_row_markup_with_local_dates_and_marketplace_currency() -> None:
    result = parse("craigslist", "craigslist/cl_2021-10_vancouver_apa_search_result_row.html", currency="CAD", timezone="America/Vancouver")
    assert len(result.listings) == 5
    condo = by_id(result)["7389436000"]
    assert condo.title == "Metrotown 1 Bed 1 Bath Condo w/ Huge 120sf Sundeck @ Maywood Park"
    assert (condo.price, condo.currency) == (Decimal("1790.00"), "CAD")
    assert condo.location == "Vancouver burnaby/newwest"
    assert condo.posted_at == datetime(2021, 10, 9, 16, 30, tzinfo=UTC)  # 09:30 in Vancouver (PDT)
    assert condo.image_url == "https://images.craigslist.org/00x0x_3mIKySsYo6fz_0gw0b1_300x300.jpg"


def test_craigslist_empty_item_list_is_an_explicit_empty_result() -> None:
    result = parse("craigslist", "craigslist/ours_static_no_results_2026-11.html")
    assert result.listings == [] and result.no_results is True


# --- facebook -------------------------------------------------------------------------


def test_facebook_search_page_reads_the_embedded_listing_json() -> None:
    result = parse("facebook", "facebook/fb_mp_search_bike_nyc_2026.html")
    assert len(result.listings) == 6
    listings = by_id(result)
    trek = listings["4565211807048416"]
    assert trek.title == "Trek FX 2 Hybrid Bike Gen 4"
    assert (trek.price, trek.currency, trek.location) == (Decimal("620.00"), "USD", "North Bergen, NJ")
    assert trek.url == "https://www.facebook.com/marketplace/item/4565211807048416/"
    assert trek.posted_at == datetime.fromtimestamp(1791078336, tz=UTC)
    assert trek.image_url.startswith("https://scontent.fakx4-2.fna.fbcdn.net/")
    assert {listing.title for listing in result.listings} >= {"Balance bike", "Electric bike", "Huffy Nighthawk Mountain Bike"}


def test_facebook_listing_page_reads_currency_condition_and_photo() -> None:
    (item,) = parse("facebook", "facebook/fb_mp_item_2026.html", currency="EUR").listings
    assert (item.external_id, item.title) == ("1800446554437755", "Schwinn Mountain Bike")
    assert (item.price, item.currency, item.condition, item.location) == (Decimal("110.00"), "USD", "used", "Emerson, NJ")
    assert "838939661_944848514899403" in item.image_url


def test_facebook_no_results_unit_is_an_explicit_empty_result() -> None:
    result = parse("facebook", "facebook/fb_mp_search_empty_nyc_2026.html")
    assert result.listings == [] and result.no_results is True


def test_facebook_login_wall_is_blocked() -> None:
    body = b'<html><body><form id="login_form" action="/login/"></form>You must log in to continue.</body></html>'
    with pytest.raises(BlockedPage):
        get_agent("facebook").parse(body, ParseContext(url="https://www.facebook.com/marketplace/nyc/search/"))


# --- jsonld ---------------------------------------------------------------------------


def test_jsonld_item_list_with_offer_and_aggregate_offer_survives_a_broken_block() -> None:
    result = parse("jsonld", "jsonld/ours_itemlist_2026-11.html", url="https://shop.example/search")
    listings = by_id(result)
    pen = listings["L2000-BLK"]
    assert (pen.title, pen.price, pen.currency, pen.condition, pen.seller) == (
        "Lamy 2000 fountain pen & case",
        Decimal("149.00"),
        "EUR",
        "new",
        "Pen Shop",
    )
    assert pen.url == "https://shop.example/p/l2000"
    used = listings["L2000-USED"]
    assert (used.price, used.condition, used.url) == (Decimal("89.50"), "used", "https://shop.example/p/l2000-used")


def test_jsonld_falls_back_to_microdata_and_opengraph() -> None:
    (micro,) = parse("jsonld", "jsonld/ours_microdata_2026-11.html", url="https://shop.example/p/m800").listings
    assert (micro.external_id, micro.title, micro.price, micro.currency, micro.condition) == (
        "PEL-M800",
        "Pelikan M800 Souverän",
        Decimal("399.00"),
        "GBP",
        "refurbished",
    )
    (graph,) = parse("jsonld", "jsonld/ours_opengraph_2026-11.html").listings
    assert (graph.external_id, graph.url, graph.price, graph.currency) == (
        "PGS-22",
        "https://pens.example/item/pgs-22",
        Decimal("178.00"),
        "USD",
    )


def test_jsonld_empty_item_list_is_an_explicit_empty_result() -> None:
    result = parse("jsonld", "jsonld/ours_itemlist_empty_2026-11.html")
    assert result.listings == [] and result.no_results is True


# --- rss ------------------------------------------------------------------------------


def test_rss_prices_from_title_merchant_field_and_description() -> None:
    listings = by_id(parse("rss", "rss/ours_rss_2026-11.xml"))
    assert (listings["cls-1001"].price, listings["cls-1001"].currency) == (Decimal("450.00"), "USD")
    assert listings["cls-1001"].url == "https://classifieds.example/item/1001"
    assert listings["cls-1001"].image_url == "https://img.classifieds.example/1001.jpg"
    assert listings["cls-1001"].posted_at == datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    assert (listings["cls-1002"].price, listings["cls-1002"].currency, listings["cls-1002"].condition) == (
        Decimal("1234.56"),
        "EUR",
        "used",
    )
    assert (listings["cls-1003"].price, listings["cls-1003"].currency) == (Decimal("45.00"), "GBP")


def test_atom_feed_entries_with_euro_prices_and_authors() -> None:
    listings = by_id(parse("rss", "rss/ours_atom_2026-11.xml", currency="EUR"))
    bike = listings["urn:example:anzeige:77001"]
    assert (bike.price, bike.currency, bike.seller) == (Decimal("180.00"), "EUR", "radler77")
    assert bike.posted_at == datetime(2026, 11, 22, 8, 45, tzinfo=UTC)
    assert listings["urn:example:anzeige:77002"].price == Decimal("45.00")


def test_rss_feed_without_items_is_an_explicit_empty_result() -> None:
    result = parse("rss", "rss/ours_rss_empty_2026-11.xml")
    assert result.listings == [] and result.no_results is True


# --- malformed input, every agent ----------------------------------------------------

MALFORMED = {
    "ebay_html": b'<html><body><ul class="srp-results"><li class="s-item"><div>no link here</div></li></ul></body></html>',
    "ebay": b'{"itemSummaries": [{"title": "no id", ',
    "craigslist": b'<html><body><ol class="cl-static-search-results"><li class="cl-static-search-result"></li></ol></body></html>',
    "facebook": b'<html><script type="application/json">{"marketplace_search": {"feed_units": </script></html>',
    "jsonld": b'<html><head><script type="application/ld+json">{"@type": "ItemList", </script></head></html>',
    "rss": b"<rss><channel><item><title>unterminated",
}


@pytest.mark.parametrize("agent", sorted(MALFORMED))
def test_malformed_input_is_a_parse_error_for_every_agent(agent: str) -> None:
    with pytest.raises(ParseError):
        get_agent(agent).parse(MALFORMED[agent], ParseContext(url="https://example.test/"))


@pytest.mark.parametrize("agent", sorted(MALFORMED))
@pytest.mark.parametrize("body", [b"", b"   \n", b"\x00\xff\xfe garbage"])
def test_empty_or_binary_bodies_are_parse_errors_never_crashes(agent: str, body: bytes) -> None:
    with pytest.raises(ParseError):
        get_agent(agent).parse(body, ParseContext(url="https://example.test/"))
