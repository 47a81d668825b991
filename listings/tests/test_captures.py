"""Every real capture, read by its agent: counts, exact fields of several items, no ghosts.

The captures are other people's saved pages (listings/tests/data/SOURCES.md): eBay in
both markups, in English, Spanish and Japanese, with GBP, USD, PEN and JPY prices;
Craigslist static and browser-rendered; an eBay item page for the jsonld agent.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from listings.agents import BlockedPage, ParseContext, get_agent
from listings.tests.conftest import DATA, capture
from listings.validation import Rejection, listing_data_check

EBAY_PAGES = sorted(path.name for path in (DATA / "ebay").glob("ebay_srp_*.html"))
# Every phrase eBay's screen readers hear after a link, in the languages of the captures
# and of eBay's other sites: none may be (part of) a title.
SCREEN_READER = re.compile(
    r"opens in a new window|se abre en una|新しいウィンドウ|in neuem fenster|nouvelle fenêtre|nuova finestra|^new listing", re.I
)
ITEM_URL = re.compile(r"^https://www\.ebay\.(com|co\.uk)/itm/\d{9,15}$")


def parse(agent: str, relative: str, *, url: str, currency: str = "USD"):  # noqa: ANN201
    return get_agent(agent).parse(capture(relative), ParseContext(url=url, default_currency=currency))


def by_id(result):  # noqa: ANN001, ANN201
    return {listing.external_id: listing for listing in result.listings}


# --- provenance -----------------------------------------------------------------------


def _sources() -> dict[str, str]:
    rows = {}
    for line in (DATA / "SOURCES.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "/" in cells[0] and not cells[0].startswith("---"):
            rows[cells[0]] = cells[1]
    return rows


def test_every_capture_has_a_provenance_row_and_every_row_a_file() -> None:
    sources = _sources()
    files = {
        str(path.relative_to(DATA))
        for path in DATA.rglob("*")
        if path.is_file() and path.suffix in (".html", ".json", ".xml") and not path.name.startswith("ours_")
    }
    assert files - set(sources) == set(), "captures without a row in SOURCES.md"
    assert set(sources) - files == set(), "rows in SOURCES.md without their file"
    assert len(sources) >= 24


# --- ebay_html on every eBay search page ----------------------------------------------

EXPECTED_COUNTS = {
    "ebay_srp_2021-01_uk_warhammer_sitem.html": 61,
    "ebay_srp_2021-03_us_hottoys_sitem_merch.html": 58,
    "ebay_srp_2025-08_uk_bluray_scard.html": 60,
    "ebay_srp_2025-08_us_phone_scard.html": 60,
    "ebay_srp_2025-09_us_pokemon_scard_carousel.html": 60,
    "ebay_srp_2025-09_us_pokemon_sold_fewer_words_scard.html": 85,
    "ebay_srp_2025-10_us_reverseweave_scard.html": 60,
    "ebay_srp_2025-11_us_es_pen_adidas_scard.html": 60,
    "ebay_srp_2026-01_us_ja_jpy_pinkfloyd_scard.html": 55,
    "ebay_srp_2026-05_us_beetle_scard.html": 60,
}


def test_every_ebay_capture_has_an_expected_count() -> None:
    assert sorted(EXPECTED_COUNTS) == EBAY_PAGES


@pytest.mark.parametrize("name", EBAY_PAGES)
def test_ebay_page_gives_real_titles_canonical_urls_and_no_ghost_rows(name: str) -> None:
    result = parse("ebay_html", f"ebay/{name}", url="https://www.ebay.com/sch/i.html")
    assert len(result.listings) == EXPECTED_COUNTS[name]
    ids = [listing.external_id for listing in result.listings]
    assert len(set(ids)) == len(ids)
    assert "123456" not in ids  # the "Shop on eBay" placeholders
    for listing in result.listings:
        assert not SCREEN_READER.search(listing.title), listing.title
        assert listing.title and listing.title == listing.title.strip()
        assert not listing.title.lower().startswith("shop on ebay")
        assert ITEM_URL.match(listing.url), listing.url
        assert listing.url.endswith("/" + listing.external_id)
        # What is stored is what was read: nothing the validation would refuse.
        assert not isinstance(listing_data_check(listing), Rejection)


def test_ebay_2021_us_page_skips_the_left_rail_recently_viewed_items() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2021-03_us_hottoys_sitem_merch.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    assert {"133407052389", "232580159782"} & set(listings) == set()  # srp-merch__items-list
    vader = listings["154253394405"]
    assert vader.title == "Hot Toys Darth Vader Star Wars 40th Anniversary V ESB 1/6 Scale Figure In Stock"
    assert (vader.price, vader.currency, vader.condition) == (Decimal("319.99"), "USD", "new")
    assert vader.url == "https://www.ebay.com/itm/154253394405"
    trooper = listings["254871683242"]
    assert (trooper.title, trooper.price, trooper.shipping, trooper.condition) == (
        "Star Wars Hot Toys Shock Trooper",
        Decimal("345.00"),
        Decimal("0.00"),
        "used",
    )


def test_ebay_2025_us_page_drops_the_screen_reader_hint_and_keeps_the_low_end_of_ranges() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-08_us_phone_scard.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    first = listings["336135053330"]
    assert first.title == "6.8 inch GT10 Pro Android Smartphone 4G Global Unlocked Cell Phone 8GB+128GB"
    assert (first.price, first.currency, first.shipping, first.location, first.seller) == (
        Decimal("68.99"),
        "USD",
        Decimal("0.00"),
        "China",
        "rapidol",
    )
    ranged = listings["126435608547"]  # "$28.88 to $90.88": the cheapest variant, the top in raw
    assert ranged.title == "Working well Apple iPhone 5 5c 5s 8/16/32/64GB All colours Fully UNLOCKED Good!!"
    assert (ranged.price, ranged.raw["price_high"]) == (Decimal("28.88"), "90.88")
    tesla = listings["146783963375"]
    assert (tesla.price, tesla.shipping, tesla.location, tesla.seller) == (
        Decimal("200.00"),
        Decimal("115.36"),
        "United States",
        "d2c_holdings",
    )


def test_ebay_cards_in_a_recommendation_carousel_are_not_results() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-09_us_pokemon_scard_carousel.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    assert {"145273520364", "396234741871", "396261784039", "156329549255"} & set(listings) == set()  # only in the carousel
    first = listings["145484500038"]
    assert first.title == "Pokemon ex - Choose Your Card | 100% Authentic Scarlet & Violet Ultra Rare Cards"
    assert (first.price, first.currency, first.shipping, first.condition) == (Decimal("1.66"), "USD", Decimal("0.00"), "used")


def test_ebay_results_after_the_fewer_words_heading_are_kept() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-09_us_pokemon_sold_fewer_words_scard.html", url="https://www.ebay.com/sch/i.html")
    box = by_id(result)["187340060416"]
    assert box.title == "Pokemon Card The Glory of Team Rocket Booster Box Japanese w/shrink sv10 PSL"
    assert (box.price, box.shipping, box.seller, box.condition) == (Decimal("84.90"), Decimal("9.99"), "nexstore_games", "new")


def test_ebay_prettified_page_reads_the_seller_out_of_its_badge_and_tooltip() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-10_us_reverseweave_scard.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    hoodie = listings["134302287832"]
    assert hoodie.title == "CHAMPION x UO NAVY REVERSE WEAVE C LOGO HOODIE SWEATSHIRT SZ S SMALL"
    assert (hoodie.price, hoodie.shipping, hoodie.seller, hoodie.condition) == (Decimal("29.99"), Decimal("9.95"), "trophy2000by", "new")
    vintage = listings["406307126070"]
    assert (vintage.title, vintage.price, vintage.condition) == (
        "True Vintage 50s Running Man Champion College Sweatshirt",
        Decimal("250.00"),
        "used",
    )


def test_ebay_page_in_spanish_is_priced_in_soles_with_spanish_conditions_and_places() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2025-11_us_es_pen_adidas_scard.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    assert {listing.currency for listing in result.listings} == {"PEN"}
    shoes = listings["317024103747"]
    assert (shoes.title, shoes.price, shoes.shipping, shoes.location, shoes.condition) == (
        "Zapatos Adidas grises y negros y2k",
        Decimal("84.12"),
        Decimal("28.84"),
        "Canadá",
        "used",
    )
    tubular = listings["306582883481"]
    assert tubular.title == "Nuevo ADIDAS Tubular Invader 2.0 W Negro Entrenadores Zapatos Tenis BA7508 UK4.5"
    assert (tubular.price, tubular.location, tubular.condition) == (Decimal("44.38"), "Reino Unido", "new")
    auction = listings["267460657258"]  # a bid row (S/. 16.88) before a Buy It Now row: today's price is the bid
    assert auction.price == Decimal("16.88")


def test_ebay_page_in_japanese_is_priced_in_yen() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2026-01_us_ja_jpy_pinkfloyd_scard.html", url="https://www.ebay.com/sch/i.html")
    box = by_id(result)["187740088954"]
    assert box.title == "Pink Floyd – Wish You Were Here Box Set (2CD + 4LP + Blu-ray +Book) New & Sealed"
    assert (box.price, box.currency, box.shipping, box.seller, box.location, box.condition) == (
        Decimal("38092.00"),
        "JPY",
        Decimal("15549.00"),
        "music.shop.london",
        "英国",
        "new",
    )
    priced = [listing for listing in result.listings if listing.price is not None]
    assert {listing.currency for listing in priced} == {"JPY"}


def test_ebay_sold_item_with_only_a_struck_through_price_has_no_price() -> None:
    result = parse("ebay_html", "ebay/ebay_srp_2026-05_us_beetle_scard.html", url="https://www.ebay.com/sch/i.html")
    listings = by_id(result)
    vent = listings["168179143276"]  # "$109.00" struck through: the best offer accepted was lower
    assert vent.title == "2004-2010 VW New Beetle Dash Center A/C Vent Radio Bezel Black OEM (For: 2006 Volkswagen Beetle)"
    assert vent.price is None
    cover = listings["377007281744"]
    assert (cover.price, cover.seller, cover.location) == (Decimal("69.99"), "ymparts", "United States")


@pytest.mark.parametrize("name", ["ebay_bot_challenge_2026-07.html", "ebay_bot_challenge_2026-03.html"])
def test_ebay_bot_challenges_are_blocked(name: str) -> None:
    with pytest.raises(BlockedPage):
        parse("ebay_html", f"ebay/{name}", url="https://www.ebay.com/sch/i.html")


@pytest.mark.parametrize("name", EBAY_PAGES)
def test_parse_listings_command_prints_real_titles_for_every_ebay_capture(name: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("parse_listings", "--agent", "ebay_html", str(DATA / "ebay" / name), stdout=out, stderr=err)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == EXPECTED_COUNTS[name]
    assert "Opens in a new window or tab" not in out.getvalue()
    assert not SCREEN_READER.search(out.getvalue())
    assert "Shop on eBay" not in out.getvalue()
    assert f"{EXPECTED_COUNTS[name]} listings" in err.getvalue()


# --- craigslist ----------------------------------------------------------------------


def test_craigslist_static_gigs_page_reads_every_row() -> None:
    result = parse("craigslist", "craigslist/cl_2025-07_lasvegas_ggg_static.html", url="https://lasvegas.craigslist.org/search/ggg")
    assert len(result.listings) == 304
    first = by_id(result)["7866034261"]
    assert first.title == "Pedicab riders needed. $400+ per day"
    assert first.url == "https://lasvegas.craigslist.org/lbg/d/las-vegas-pedicab-riders-needed-400-per/7866034261.html"
    assert (first.price, first.currency, first.location) == (Decimal("0.00"), "USD", "Las Vegas")


def test_craigslist_browser_rendered_page_is_read_and_its_hidden_no_results_widget_ignored() -> None:
    result = parse("craigslist", "craigslist/cl_2025-07_lasvegas_ggg_rendered.html", url="https://lasvegas.craigslist.org/search/ggg")
    assert result.no_results is False
    assert len(result.listings) == 200
    pedicab = by_id(result)["7866034261"]
    assert (pedicab.title, pedicab.price, pedicab.location) == ("Pedicab riders needed. $400+ per day", None, "Las Vegas")
    assert pedicab.posted_at is not None and pedicab.posted_at.isoformat() == "2025-07-16T00:24:32+00:00"
    assert pedicab.image_url == "https://images.craigslist.org/d/7866034261/00L0L_5SAB3Ekiipe_0lM0t2_50x50c.jpg"


# --- jsonld ---------------------------------------------------------------------------


def test_jsonld_reads_an_ebay_item_page_product_with_its_shipping() -> None:
    result = parse("jsonld", "jsonld/ebay_item_2025-06_us_rtx5090_product.html", url="https://www.ebay.com/itm/226771798286")
    (card,) = result.listings
    assert (card.title, card.price, card.currency, card.shipping, card.condition) == (
        "NVIDIA GeForce RTX 5090 FE Founders Edition",
        Decimal("3971.45"),
        "USD",
        Decimal("170.21"),
        "new",
    )
    assert card.url == "https://www.ebay.com/itm/226771798286"


def test_jsonld_on_the_kijiji_zero_results_page_says_no_results() -> None:
    result = parse(
        "jsonld", "classifieds/kijiji_2026-04_ca_cars_zero_results.html", url="https://www.kijiji.ca/b-cars-trucks/canada/l1700272"
    )
    assert result.listings == [] and result.no_results is True


# --- rss ------------------------------------------------------------------------------


def test_rss_feed_of_marketplace_searches_reads_prices_and_shipping_from_titles() -> None:
    result = parse(
        "rss", "rss/reverb_2026-08_gear_feed.xml", url="https://raw.githubusercontent.com/alchemyjones/rss/refs/heads/main/reverb.rss"
    )
    assert len(result.listings) == 18
    listings = by_id(result)
    radial = listings["100405295"]
    assert radial.title == "Radial EXTC 500 Series Reamp / Guitar Effects Interface Module 2010s - Orange - $245 ($30)"
    assert (radial.price, radial.currency, radial.shipping) == (Decimal("245.00"), "USD", Decimal("30.00"))
    assert radial.url == "https://reverb.com/item/100405295-radial-extc-500-series-reamp-guitar-effects-interface-module-2010s-orange"
    assert radial.posted_at is not None and radial.posted_at.isoformat() == "2026-08-11T22:41:21+00:00"
    assert radial.image_url.startswith("https://rvb-img.reverb.com/i/")
    pedal = listings["91350427"]
    assert (pedal.price, pedal.shipping) == (Decimal("37.99"), Decimal("0.00"))  # "(FREE)"
