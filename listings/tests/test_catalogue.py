"""The catalogue's presets make rows their agents accept; wrong options are clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from core.errors import DomainError
from listings.agents import ScoutQuery, agent_names, get_agent
from listings.catalogue import PRESETS, options_parse, preset_build
from listings.models import Marketplace
from listings.services import marketplace_create_from_preset

# The options each preset needs to build (the required ones, and a realistic value).
SAMPLE_OPTIONS = {
    "craigslist": {"city": "sfbay"},
    "facebook": {"city": "nyc"},
    "jsonld": {"url": "https://shop.example.com/search"},
    "rss": {"url": "https://blog.example.org/feed.xml"},
    "selectors": {"url": "https://www.gumtree.com/search", "config": '{"item": "article.listing", "title": "h2", "link": "a"}'},
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_a_valid_row_whose_agent_builds_a_request(name: str) -> None:
    spec = preset_build(name, SAMPLE_OPTIONS.get(name, {}))
    row = Marketplace(
        slug=spec.slug,
        name=spec.name,
        agent=spec.agent,
        base_url=spec.base_url,
        default_currency=spec.default_currency,
        country=spec.country,
        requests_per_minute=spec.requests_per_minute,
        config=spec.config,
    )
    row.full_clean(validate_unique=False, validate_constraints=False)
    assert spec.requests_per_minute >= 1
    assert re.fullmatch(r"[A-Z]{3}", spec.default_currency)
    assert spec.agent in agent_names()
    get_agent(spec.agent).check_config(spec.config)
    request = get_agent(spec.agent).build_request(
        ScoutQuery(marketplace_id=1, text="fuji x100v"), base_url=spec.base_url, config=spec.config
    )
    assert request.url.startswith(spec.base_url)


@pytest.mark.parametrize(
    ("code", "marketplace_id", "currency", "domain"),
    [
        ("us", "EBAY_US", "USD", "www.ebay.com"),
        ("uk", "EBAY_GB", "GBP", "www.ebay.co.uk"),
        ("de", "EBAY_DE", "EUR", "www.ebay.de"),
        ("fr", "EBAY_FR", "EUR", "www.ebay.fr"),
        ("it", "EBAY_IT", "EUR", "www.ebay.it"),
        ("es", "EBAY_ES", "EUR", "www.ebay.es"),
        ("ca", "EBAY_CA", "CAD", "www.ebay.ca"),
        ("au", "EBAY_AU", "AUD", "www.ebay.com.au"),
    ],
)
def test_ebay_presets_carry_the_sites_marketplace_id_currency_and_domain(
    code: str, marketplace_id: str, currency: str, domain: str
) -> None:
    api = preset_build(f"ebay-{code}")
    headers = get_agent("ebay").build_request(ScoutQuery(marketplace_id=1, text="x"), base_url=api.base_url, config=api.config).headers
    assert (api.agent, headers["X-EBAY-C-MARKETPLACE-ID"], api.default_currency) == ("ebay", marketplace_id, currency)
    html = preset_build(f"ebay-html-{code}")
    assert (html.agent, html.base_url, html.default_currency, html.country) == ("ebay_html", f"https://{domain}", currency, api.country)


def test_craigslist_city_sets_the_site_currency_and_timezone() -> None:
    toronto = preset_build("craigslist", {"city": "toronto"})
    assert (toronto.base_url, toronto.default_currency, toronto.country) == ("https://toronto.craigslist.org", "CAD", "CA")
    assert toronto.config == {"category": "sss", "timezone": "America/Toronto"}
    sfbay = preset_build("craigslist", {"city": "SFBay", "category": "pho"})
    assert (sfbay.slug, sfbay.base_url, sfbay.default_currency, sfbay.config["category"]) == (
        "craigslist-sfbay",
        "https://sfbay.craigslist.org",
        "USD",
        "pho",
    )


def test_a_city_not_in_the_table_needs_a_country() -> None:
    with pytest.raises(DomainError, match="country=XX") as error:
        preset_build("craigslist", {"city": "halifax"})
    assert error.value.field == "country"
    halifax = preset_build("craigslist", {"city": "halifax", "country": "ca"})
    assert (halifax.base_url, halifax.default_currency) == ("https://halifax.craigslist.org", "CAD")


def test_facebook_city_goes_into_the_config_the_agent_reads() -> None:
    spec = preset_build("facebook", {"city": "london"})
    request = get_agent("facebook").build_request(ScoutQuery(marketplace_id=1, text="bike"), base_url=spec.base_url, config=spec.config)
    assert request.url == "https://www.facebook.com/marketplace/london/search/"
    assert spec.default_currency == "GBP"


def test_a_shop_url_becomes_base_url_and_path() -> None:
    spec = preset_build("jsonld", {"url": "https://Shop.Example.com/en/search", "query_param": "term", "country": "DE"})
    assert (spec.slug, spec.base_url, spec.config, spec.default_currency) == (
        "shop-example-com",
        "https://shop.example.com",
        {"search_path": "/en/search", "query_param": "term"},
        "EUR",
    )
    feed = preset_build("rss", {"url": "https://www.example.org/deals.rss"})
    assert (feed.slug, feed.config["feed_path"]) == ("rss-example-org", "/deals.rss")


@pytest.mark.parametrize(
    ("name", "options", "field", "message"),
    [
        ("ebay-us", {"city": "x"}, "city", "does not take option 'city'"),
        ("craigslist", {"town": "sfbay"}, "town", "does not take option 'town'"),
        ("craigslist", {}, "city", "needs --option city="),
        ("jsonld", {}, "url", "needs --option url="),
        ("jsonld", {"url": "ftp://shop.example/"}, "url", "absolute http"),
        ("jsonld", {"url": "https://shop.example/search?q=x"}, "url", "query string"),
        ("rss", {"url": "https://a.example/f", "currency": "euro"}, "currency", "ISO 4217"),
        ("craigslist", {"city": "../etc"}, "city", "not a city name"),
        ("selectors", {"url": "https://a.example/s"}, "site", "site=NAME"),
        ("selectors", {"url": "https://a.example/s", "config": "[1]"}, "config", "JSON object"),
        (
            "selectors",
            {"url": "https://a.example/s", "site": "nowhere"},
            "site",
            "not a known selectors site (known: gumtree-pl, kijiji-ca",
        ),
        ("selectors", {"config": '{"item": "li", "title": "h2", "link": "a"}'}, "url", "needs --option url="),
        ("nope", {}, "preset", "unknown preset 'nope'"),
    ],
)
def test_wrong_options_are_errors_that_name_them(name: str, options: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(DomainError, match=re.escape(message)) as error:
        preset_build(name, options)
    assert error.value.field == field


def test_every_shipped_selectors_site_is_a_preset_with_its_address_and_currency() -> None:
    from listings.agents.selectors_presets import SITE_CONFIGS

    for site, config in SITE_CONFIGS.items():
        spec = preset_build(site)
        assert (spec.agent, spec.slug, spec.default_currency) == ("selectors", site, config["currency"])
        assert spec.base_url.startswith("https://www.") and spec.config == config
    kijiji = preset_build("kijiji-ca")
    request = get_agent("selectors").build_request(
        ScoutQuery(marketplace_id=1, text="honda civic"), base_url=kijiji.base_url, config=kijiji.config
    )
    assert request.url == "https://www.kijiji.ca/b-canada/honda-civic/k0l0"


def test_a_shipped_selectors_config_on_another_address_takes_the_url_and_its_own_currency() -> None:
    spec = preset_build("selectors", {"site": "olx-pl", "url": "https://www.olx.ro", "country": "RO", "currency": "RON"})
    assert (spec.slug, spec.base_url, spec.country, spec.default_currency, spec.config["currency"]) == (
        "olx-ro",
        "https://www.olx.ro",
        "RO",
        "RON",
        "RON",
    )
    assert spec.config["item"] == "[data-cy='l-card']"


@pytest.mark.django_db
def test_a_selectors_config_the_agent_cannot_use_is_refused_with_its_key() -> None:
    with pytest.raises(DomainError, match="'title' is required") as error:
        marketplace_create_from_preset(preset="selectors", options={"url": "https://a.example/s", "config": '{"item": "li", "link": "a"}'})
    assert error.value.field == "config.title"
    assert not Marketplace.objects.exists()


def test_options_parse_reads_key_value_pairs_and_refuses_others() -> None:
    assert options_parse(["city=sfbay", 'config={"a": "b=c"}']) == {"city": "sfbay", "config": '{"a": "b=c"}'}
    with pytest.raises(DomainError, match="not key=value"):
        options_parse(["sfbay"])
    with pytest.raises(DomainError, match="given twice"):
        options_parse(["city=a", "city=b"])


@pytest.mark.django_db
def test_adding_a_preset_twice_is_a_clear_error_and_a_new_slug_adds_another() -> None:
    first = marketplace_create_from_preset(preset="ebay-html-de")
    assert (first.slug, first.country, first.default_currency, first.enabled) == ("ebay-html-de", "DE", "EUR", True)
    with pytest.raises(DomainError, match="slug 'ebay-html-de' exists already") as error:
        marketplace_create_from_preset(preset="ebay-html-de")
    assert error.value.code == "exists"
    marketplace_create_from_preset(preset="ebay-html-de", slug="ebay-de-second")
    assert Marketplace.objects.filter(agent="ebay_html").count() == 2


@pytest.mark.django_db
def test_a_preset_whose_agent_this_version_lacks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import listings.agents

    monkeypatch.setattr(listings.agents, "agent_names", lambda: ["ebay"])
    with pytest.raises(DomainError, match="needs the 'ebay_html' agent"):
        marketplace_create_from_preset(preset="ebay-html-us")
    assert not Marketplace.objects.exists()


def test_docs_presets_table_lists_exactly_the_catalogue() -> None:
    doc = (Path(settings.BASE_DIR) / "docs" / "AGENTS.md").read_text()
    section = doc.split("## The catalogue", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ([a-z_]+) \| (.+?) \| (.+?) \|$", section, re.MULTILINE)
    assert [name for name, *_ in rows] == list(PRESETS)
    for name, agent, description, options in rows:
        preset = PRESETS[name]
        assert (agent, description) == (preset.agent, preset.description.replace("|", "/")), name
        assert options == (", ".join(f"`{o.name}`{'*' if o.required else ''}" for o in preset.options) or "none"), name
