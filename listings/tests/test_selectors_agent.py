"""The selectors agent on real classifieds pages (OLX, Gumtree, Leboncoin, Kijiji), its config checks, and a scout."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import DomainError
from listings.agents import ParseContext, ParseError, ScoutQuery, get_agent
from listings.agents.selectors import selectors_config_check
from listings.agents.selectors_presets import SITE_CONFIGS
from listings.models import Listing
from listings.services import marketplace_scout
from listings.tests.conftest import capture
from listings.validation import Rejection, listing_data_check


def parse(site: str, relative: str, url: str, **overrides: Any):  # noqa: ANN201
    config = {**SITE_CONFIGS[site], **overrides}
    return get_agent("selectors").parse(capture(f"classifieds/{relative}"), ParseContext(url=url, config=config, default_currency="USD"))


def by_id(result):  # noqa: ANN001, ANN201
    return {listing.external_id: listing for listing in result.listings}


def test_every_sample_config_is_valid() -> None:
    for name, config in SITE_CONFIGS.items():
        assert selectors_config_check(config), name


def test_olx_uz_cards_read_with_ids_prices_in_sum_and_places_without_dates() -> None:
    result = parse("olx-uz", "olx_2026-03_uz_chevrolet_lcard.html", "https://www.olx.uz/transport/legkovye-avtomobili/chevrolet/")
    assert len(result.listings) == 49  # 52 cards, promoted ones repeated
    listings = by_id(result)
    cobalt = listings["63883036"]
    assert cobalt.title == "Cobalt 2023 avtomat"
    assert (cobalt.price, cobalt.currency, cobalt.location) == (Decimal("131444640.00"), "UZS", "Ташкент, Шайхантахурский район")
    assert cobalt.url == "https://www.olx.uz/d/obyavlenie/cobalt-2023-avtomat-ID4k2Ty.html"  # search_reason dropped
    assert cobalt.image_url.startswith("https://frankfurt.apollo.olxcdn.com:443/v1/files/a8gqfyagriqm2-UZ/image")
    mexanika = listings["63954146"]
    assert (mexanika.title, mexanika.price, mexanika.location) == ("Cobalt 2019 mexanika", Decimal("90000000.00"), "Ходжейли")
    assert all(not isinstance(listing_data_check(listing), Rejection) for listing in result.listings)


def test_olx_ua_gallery_cards_take_the_title_from_the_link() -> None:
    result = parse("olx-ua", "olx_2026-01_ua_lviv_flats_lcard.html", "https://m.olx.ua/uk/nedvizhimost/kvartiry/prodazha-kvartir/lvov/")
    assert len(result.listings) == 12
    flat = by_id(result)["906402451"]
    assert flat.title == "ВЛАСНИК! Продаж 1 кім.квартири у самому центрі / пл. Святого Теодора"
    assert (flat.price, flat.currency) == (Decimal("50000.00"), "USD")  # "50 000 $"
    assert flat.url == "https://m.olx.ua/d/uk/obyavlenie/vlasnik-prodazh-1-km-kvartiri-u-samomu-tsentr-pl-svyatogo-teodora-IDZlaGn.html"


def test_gumtree_pl_rows_read_with_zloty_prices_and_one_without_a_price() -> None:
    result = parse(
        "gumtree-pl", "gumtree_2017-07_pl_wroclaw_flats.html", "https://www.gumtree.pl/s-pokoje-do-wynajecia/wroclaw/v1c9000l3200114p1"
    )
    assert len(result.listings) == 23
    listings = by_id(result)
    room = listings["1002026440010910476719909"]
    assert room.title == "Miejsce w pokoju od 01.08 dla dziewczyny, 17m2, 330+100 pln=430pln !!!"
    assert (room.price, room.currency, room.location) == (Decimal("430.00"), "PLN", "Wrocław")
    assert room.url.startswith("https://www.gumtree.pl/a-pokoje-do-wynajecia/wroclaw/")
    flat = listings["1002016522990910774820209"]
    assert (flat.title, flat.price) == ("Wynajmę mieszkanie 3km od Centrum", Decimal("3000.00"))
    assert sum(1 for listing in result.listings if listing.price is None) == 1


def test_leboncoin_ads_read_with_ids_from_their_links() -> None:
    result = parse("leboncoin-fr", "leboncoin_2019-04_fr_realestate.html", "https://www.leboncoin.fr/ventes_immobilieres/")
    assert len(result.listings) == 8
    house = by_id(result)["1548193893"]
    assert (house.title, house.price, house.currency, house.location) == (
        "Maison 7 pièces 153 m²",
        Decimal("265000.00"),
        "EUR",
        "Bourgogne 51110",
    )
    assert house.url == "https://www.leboncoin.fr/ventes_immobilieres/1548193893.htm/"


def test_kijiji_zero_results_page_is_an_explicit_no_results() -> None:
    result = parse("kijiji-ca", "kijiji_2026-04_ca_cars_zero_results.html", "https://www.kijiji.ca/b-cars-trucks/canada/l1700272")
    assert result.listings == [] and result.no_results is True


def test_a_page_where_the_item_selector_finds_nothing_and_no_marker_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="nothing on the page matches the item selector"):
        parse("olx-pl", "kijiji_2026-04_ca_cars_zero_results.html", "https://www.olx.pl/oferty/q-x/")


def test_items_found_but_no_title_is_a_parse_error_that_says_so() -> None:
    with pytest.raises(ParseError, match="52 elements match the item selector"):
        parse("olx-uz", "olx_2026-03_uz_chevrolet_lcard.html", "https://www.olx.uz/", title=".no-such-title")


def test_exclude_drops_matching_items() -> None:
    result = parse("gumtree-pl", "gumtree_2017-07_pl_wroclaw_flats.html", "https://www.gumtree.pl/", exclude=".price .amount")
    assert len(result.listings) == 1  # only the row without a price is left


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"title": "a", "link": "a"}, "config.item", "'item' is required"),
        ({"item": "li", "link": "a"}, "config.title", "'title' is required"),
        ({"item": "li[", "title": "a", "link": "a"}, "config.item", "not a valid CSS selector"),
        ({"item": "li", "title": "a", "link": "a", "price": "span::nope("}, "config.price", "not a valid CSS selector"),
        ({"item": "li", "title": "a @", "link": "a"}, "config.title", "no valid attribute"),
        ({"item": "li", "title": "a @9x", "link": "a"}, "config.title", "no valid attribute"),
        ({"item": "li", "title": "a", "link": "a", "id_regex": "(unclosed"}, "config.id_regex", "not a valid regular expression"),
        ({"item": "li", "title": "a", "link": "a", "id_regex": r"\d+"}, "config.id_regex", "needs one group"),
        ({"item": "li", "title": "a", "link": "a", "currency": "euro"}, "config.currency", "ISO 4217"),
        ({"item": "li", "title": "a", "link": "a", "search_url": "/search"}, "config.search_url", "{query}"),
        ({"item": "li", "title": "a", "link": "a", "itme": "x"}, "config.itme", "unknown key"),
        ({"item": 5, "title": "a", "link": "a"}, "config.item", "non-empty CSS selector"),
    ],
)
def test_a_bad_config_is_a_domain_error_naming_the_key(config: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(DomainError, match=message) as error:
        selectors_config_check(config)
    assert error.value.field == field


def test_search_url_template_encodes_the_query_with_the_sites_space() -> None:
    agent = get_agent("selectors")
    olx = agent.build_request(ScoutQuery(marketplace_id=1, text="fuji x100v"), base_url="https://www.olx.pl", config=SITE_CONFIGS["olx-pl"])
    assert olx.url == "https://www.olx.pl/oferty/q-fuji-x100v/"
    plain = agent.build_request(
        ScoutQuery(marketplace_id=1, text="fuji x100v"), base_url="https://shop.example/", config={"item": "li", "title": "a", "link": "a"}
    )
    assert (plain.url, plain.params) == ("https://shop.example/search", {"q": "fuji x100v"})


def test_a_selectors_marketplace_scouts_a_real_page_over_http(make_marketplace: Any, site: Any) -> None:
    config = {**SITE_CONFIGS["gumtree-pl"], "search_url": "/s-{query}/v1q0p1"}
    market = make_marketplace("selectors", slug="gumtree-pl-test", config=config, default_currency="PLN")
    site.expect_request("/s-pokoj+wroclaw/v1q0p1").respond_with_data(
        capture("classifieds/gumtree_2017-07_pl_wroclaw_flats.html"), content_type="text/html"
    )
    run = marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="pokoj wroclaw")).run
    assert (run.status, run.listings_found, run.listings_created) == ("ok", 23, 23)
    assert Listing.objects.get(marketplace=market, external_id="1002026440010910476719909").price == Decimal("430.00")


def test_a_selectors_page_without_items_is_a_parse_error_run_with_a_sample(make_marketplace: Any, site: Any) -> None:
    market = make_marketplace("selectors", slug="olx-pl-test", config=SITE_CONFIGS["olx-pl"], default_currency="PLN")
    site.expect_request("/oferty/q-rower/").respond_with_data(b"<html><body><h1>Maintenance</h1></body></html>", content_type="text/html")
    run = marketplace_scout(query=ScoutQuery(marketplace_id=market.pk, text="rower")).run
    assert run.status == "parse_error"
    assert "nothing on the page matches the item selector" in run.error
    assert "Maintenance" in run.error  # the sample of the page


@pytest.mark.parametrize("site", sorted(SITE_CONFIGS))
def test_every_sample_config_makes_a_catalogue_marketplace_whose_request_is_the_sites_search(site: str) -> None:
    from listings.catalogue import preset_build

    spec = preset_build("selectors", {"site": site})
    agent = get_agent("selectors")
    agent.check_config(spec.config)
    request = agent.build_request(ScoutQuery(marketplace_id=1, text="fuji x100v"), base_url=spec.base_url, config=spec.config)
    assert request.url.startswith(spec.base_url + "/") and "fuji" in request.url
    assert spec.default_currency == SITE_CONFIGS[site]["currency"]
