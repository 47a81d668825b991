"""The catalogue of known marketplaces: presets an operator adds with one command.

Plain data and pure functions (no database): ``preset_build(name, options)`` turns a
preset and its ``--option key=value`` pairs into a ``MarketplaceSpec``, the values of
a ``Marketplace`` row that its agent accepts (the config keys are the ones
``docs/AGENTS.md`` lists per agent). ``listings.services.marketplace_create_from_preset``
stores it. A wrong option is a ``DomainError`` that names it.

Request rates are deliberately low: the eBay Browse API allows 5,000 calls a day per
application by default (about 3 a minute); the sites we read as pages get a few
requests a minute, which is what a polite crawler asks of a classifieds site.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.text import slugify

from core.errors import DomainError


@dataclass(frozen=True)
class EbaySite:
    code: str  # our preset suffix: ebay-us, ebay-html-uk
    country: str  # ISO 3166-1 alpha-2
    domain: str  # where its search pages live
    currency: str  # ISO 4217
    marketplace_id: str  # the Browse API's X-EBAY-C-MARKETPLACE-ID
    label: str


# https://developer.ebay.com/api-docs/static/rest-request-components.html#marketplace
EBAY_SITES: tuple[EbaySite, ...] = (
    EbaySite("us", "US", "www.ebay.com", "USD", "EBAY_US", "eBay US"),
    EbaySite("uk", "GB", "www.ebay.co.uk", "GBP", "EBAY_GB", "eBay UK"),
    EbaySite("de", "DE", "www.ebay.de", "EUR", "EBAY_DE", "eBay Germany"),
    EbaySite("fr", "FR", "www.ebay.fr", "EUR", "EBAY_FR", "eBay France"),
    EbaySite("it", "IT", "www.ebay.it", "EUR", "EBAY_IT", "eBay Italy"),
    EbaySite("es", "ES", "www.ebay.es", "EUR", "EBAY_ES", "eBay Spain"),
    EbaySite("ca", "CA", "www.ebay.ca", "CAD", "EBAY_CA", "eBay Canada"),
    EbaySite("au", "AU", "www.ebay.com.au", "AUD", "EBAY_AU", "eBay Australia"),
    EbaySite("at", "AT", "www.ebay.at", "EUR", "EBAY_AT", "eBay Austria"),
    EbaySite("ch", "CH", "www.ebay.ch", "CHF", "EBAY_CH", "eBay Switzerland"),
    EbaySite("ie", "IE", "www.ebay.ie", "EUR", "EBAY_IE", "eBay Ireland"),
    EbaySite("nl", "NL", "www.ebay.nl", "EUR", "EBAY_NL", "eBay Netherlands"),
    EbaySite("pl", "PL", "www.ebay.pl", "PLN", "EBAY_PL", "eBay Poland"),
)

EBAY_API_BASE_URL = "https://api.ebay.com"

# The currency of a country, for presets whose site does not say (Craigslist, Facebook,
# a shop): an option ``country=CA`` is enough.
COUNTRY_CURRENCIES: dict[str, str] = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "IE": "EUR",
    "DE": "EUR",
    "FR": "EUR",
    "IT": "EUR",
    "ES": "EUR",
    "NL": "EUR",
    "AT": "EUR",
    "BE": "EUR",
    "PT": "EUR",
    "CH": "CHF",
    "PL": "PLN",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "AU": "AUD",
    "NZ": "NZD",
    "MX": "MXN",
    "JP": "JPY",
    "IN": "INR",
    "UA": "UAH",
    "UZ": "UZS",
    "RO": "RON",
    "BG": "BGN",
    "KZ": "KZT",
}


@dataclass(frozen=True)
class City:
    slug: str  # the site's own name for it: sfbay.craigslist.org, /marketplace/nyc/
    label: str
    country: str
    timezone: str

    @property
    def currency(self) -> str:
        return COUNTRY_CURRENCIES[self.country]


# Common Craigslist sites (the subdomain is the city). Others work with --option country=.
CRAIGSLIST_CITIES: dict[str, City] = {
    city.slug: city
    for city in (
        City("sfbay", "SF Bay Area", "US", "America/Los_Angeles"),
        City("losangeles", "Los Angeles", "US", "America/Los_Angeles"),
        City("sandiego", "San Diego", "US", "America/Los_Angeles"),
        City("seattle", "Seattle", "US", "America/Los_Angeles"),
        City("portland", "Portland", "US", "America/Los_Angeles"),
        City("denver", "Denver", "US", "America/Denver"),
        City("austin", "Austin", "US", "America/Chicago"),
        City("chicago", "Chicago", "US", "America/Chicago"),
        City("newyork", "New York", "US", "America/New_York"),
        City("boston", "Boston", "US", "America/New_York"),
        City("washingtondc", "Washington, DC", "US", "America/New_York"),
        City("miami", "Miami", "US", "America/New_York"),
        City("toronto", "Toronto", "CA", "America/Toronto"),
        City("montreal", "Montreal", "CA", "America/Toronto"),
        City("ottawa", "Ottawa", "CA", "America/Toronto"),
        City("vancouver", "Vancouver", "CA", "America/Vancouver"),
        City("calgary", "Calgary", "CA", "America/Edmonton"),
        City("london", "London", "GB", "Europe/London"),
    )
}

# Facebook Marketplace city names (the path segment of /marketplace/<city>/search/).
FACEBOOK_CITIES: dict[str, City] = {
    city.slug: city
    for city in (
        City("nyc", "New York", "US", "America/New_York"),
        City("la", "Los Angeles", "US", "America/Los_Angeles"),
        City("sanfrancisco", "San Francisco", "US", "America/Los_Angeles"),
        City("chicago", "Chicago", "US", "America/Chicago"),
        City("seattle", "Seattle", "US", "America/Los_Angeles"),
        City("boston", "Boston", "US", "America/New_York"),
        City("austin", "Austin", "US", "America/Chicago"),
        City("toronto", "Toronto", "CA", "America/Toronto"),
        City("vancouver", "Vancouver", "CA", "America/Vancouver"),
        City("london", "London", "GB", "Europe/London"),
        City("sydney", "Sydney", "AU", "Australia/Sydney"),
        City("melbourne", "Melbourne", "AU", "Australia/Melbourne"),
        City("berlin", "Berlin", "DE", "Europe/Berlin"),
        City("paris", "Paris", "FR", "Europe/Paris"),
    )
}


@dataclass(frozen=True)
class OptionSpec:
    name: str
    help: str
    required: bool = False


@dataclass(frozen=True)
class MarketplaceSpec:
    """The values of a Marketplace row, as a preset fills them in."""

    slug: str
    name: str
    agent: str
    base_url: str
    default_currency: str
    country: str
    requests_per_minute: int
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    name: str
    agent: str
    description: str
    options: tuple[OptionSpec, ...]
    build: Callable[[dict[str, str]], MarketplaceSpec]
    country: str = ""
    currency: str = ""


# --- option helpers -------------------------------------------------------------------

_SLUGGISH = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _city(options: dict[str, str], cities: dict[str, City]) -> tuple[str, str, str, str]:
    """(city slug, label, country, currency) from ``city`` and optional ``country``/``currency``."""
    slug = options["city"].strip().lower()
    if not _SLUGGISH.match(slug):
        raise DomainError(f"option city={options['city']!r} is not a city name such as {next(iter(cities))}", field="city")
    known = cities.get(slug)
    country = _country(options, default=known.country if known else "")
    if not country and "currency" not in options:
        raise DomainError(
            f"city {slug!r} is not in the catalogue's table; add --option country=XX (ISO 3166 code) "
            f"so its currency is known (known cities: {', '.join(sorted(cities))})",
            field="country",
        )
    currency = _currency(options, default=COUNTRY_CURRENCIES.get(country, ""))
    return slug, known.label if known else slug, country, currency


def _country(options: dict[str, str], *, default: str) -> str:
    country = options.get("country", default).strip().upper()
    if country and country not in COUNTRY_CURRENCIES and "currency" not in options:
        raise DomainError(f"option country={country!r}: currency unknown for this country; add --option currency=XXX", field="country")
    return country


def _currency(options: dict[str, str], *, default: str) -> str:
    currency = options.get("currency", default).strip().upper()
    if not _CURRENCY.match(currency):
        raise DomainError(f"option currency={currency!r} is not an ISO 4217 code such as USD or EUR", field="currency")
    return currency


def _url(options: dict[str, str]) -> tuple[str, str, str]:
    """(base URL, path, host) of the ``url`` option, which must be an absolute http(s) URL."""
    raw = options["url"].strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(f"option url={raw!r} must be an absolute http:// or https:// URL", field="url")
    if parts.query:
        raise DomainError(
            f"option url={raw!r} has a query string; give the path only and name the query parameter with --option query_param=",
            field="url",
        )
    return f"{parts.scheme}://{parts.netloc.lower()}", parts.path or "/", parts.hostname.lower()


def _host_slug(prefix: str, host: str) -> str:
    host = host.removeprefix("www.").replace(".", "-")
    return slugify(f"{prefix}-{host}" if prefix else host)[:50]


# --- the presets ----------------------------------------------------------------------


def _ebay_api(site: EbaySite) -> Callable[[dict[str, str]], MarketplaceSpec]:
    def build(options: dict[str, str]) -> MarketplaceSpec:
        return MarketplaceSpec(
            slug=f"ebay-{site.code}",
            name=f"{site.label} (Browse API)",
            agent="ebay",
            base_url=EBAY_API_BASE_URL,
            default_currency=site.currency,
            country=site.country,
            requests_per_minute=3,
            config={"marketplace_id": site.marketplace_id},
        )

    return build


def _ebay_html(site: EbaySite) -> Callable[[dict[str, str]], MarketplaceSpec]:
    def build(options: dict[str, str]) -> MarketplaceSpec:
        return MarketplaceSpec(
            slug=f"ebay-html-{site.code}",
            name=f"{site.label} (search pages)",
            agent="ebay_html",
            base_url=f"https://{site.domain}",
            default_currency=site.currency,
            country=site.country,
            requests_per_minute=6,
            config={},
        )

    return build


def _craigslist(options: dict[str, str]) -> MarketplaceSpec:
    city, label, country, currency = _city(options, CRAIGSLIST_CITIES)
    category = options.get("category", "sss").strip()
    if not re.fullmatch(r"[a-z]{3}", category):
        raise DomainError(f"option category={category!r} is not a Craigslist category code such as sss or pho", field="category")
    known = CRAIGSLIST_CITIES.get(city)
    config: dict[str, Any] = {"category": category}
    timezone = options.get("timezone") or (known.timezone if known else "")
    if timezone:
        config["timezone"] = timezone
    return MarketplaceSpec(
        slug=f"craigslist-{city}"[:50],
        name=f"Craigslist {label}",
        agent="craigslist",
        base_url=f"https://{city}.craigslist.org",
        default_currency=currency,
        country=country,
        requests_per_minute=6,
        config=config,
    )


def _facebook(options: dict[str, str]) -> MarketplaceSpec:
    city, label, country, currency = _city(options, FACEBOOK_CITIES)
    return MarketplaceSpec(
        slug=f"facebook-{city}"[:50],
        name=f"Facebook Marketplace {label}",
        agent="facebook",
        base_url="https://www.facebook.com",
        default_currency=currency,
        country=country,
        requests_per_minute=4,
        config={"city": city},
    )


def _shop(agent: str, prefix: str, path_key: str) -> Callable[[dict[str, str]], MarketplaceSpec]:
    def build(options: dict[str, str]) -> MarketplaceSpec:
        base_url, path, host = _url(options)
        country = _country(options, default="")
        currency = _currency(options, default=COUNTRY_CURRENCIES.get(country, "USD"))
        query_param = options.get("query_param", "q").strip()
        if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]{1,40}", query_param):
            raise DomainError(f"option query_param={query_param!r} is not a URL parameter name", field="query_param")
        return MarketplaceSpec(
            slug=_host_slug(prefix, host),
            name=options.get("name", "").strip() or host.removeprefix("www."),
            agent=agent,
            base_url=base_url,
            default_currency=currency,
            country=country,
            requests_per_minute=10,
            config={path_key: path, "query_param": query_param},
        )

    return build


def selectors_site_configs() -> dict[str, dict[str, Any]]:
    """The sample site configs the ``selectors`` agent ships (empty until it ships them)."""
    try:
        module = importlib.import_module("listings.agents.selectors_presets")
    except ImportError:
        return {}
    return dict(getattr(module, "SITE_CONFIGS", {}))


@dataclass(frozen=True)
class SelectorsSite:
    """Where a site of ``selectors_presets.SITE_CONFIGS`` lives (the configs say only how to read it)."""

    label: str
    base_url: str
    country: str


SELECTORS_SITES: dict[str, SelectorsSite] = {
    "olx-pl": SelectorsSite("OLX Poland", "https://www.olx.pl", "PL"),
    "olx-ua": SelectorsSite("OLX Ukraine", "https://www.olx.ua", "UA"),
    "olx-uz": SelectorsSite("OLX Uzbekistan", "https://www.olx.uz", "UZ"),
    "gumtree-pl": SelectorsSite("Gumtree Poland", "https://www.gumtree.pl", "PL"),
    "leboncoin-fr": SelectorsSite("leboncoin", "https://www.leboncoin.fr", "FR"),
    "kijiji-ca": SelectorsSite("Kijiji Canada", "https://www.kijiji.ca", "CA"),
}


def _selectors_config(options: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(site name, config): the shipped config of ``site``, with ``config`` JSON merged over it."""
    config: dict[str, Any] = {}
    site = options.get("site", "").strip()
    if site:
        configs = selectors_site_configs()
        if site not in configs:
            known = ", ".join(sorted(configs)) or "none shipped yet"
            raise DomainError(f"option site={site!r} is not a known selectors site (known: {known})", field="site")
        config.update(configs[site])
    if "config" in options:
        try:
            extra = json.loads(options["config"])
        except json.JSONDecodeError as exc:
            raise DomainError(f"option config is not JSON: {exc}", field="config") from None
        if not isinstance(extra, dict):
            raise DomainError("option config must be a JSON object of selectors", field="config")
        config.update(extra)
    if not site and "config" not in options:
        raise DomainError("the selectors preset needs --option site=NAME or --option config='{...}'", field="site")
    return site, config


def _selectors(options: dict[str, str]) -> MarketplaceSpec:
    site, config = _selectors_config(options)
    known = SELECTORS_SITES.get(site)
    url = options.get("url", "").strip() or (known.base_url if known else "")
    if not url:
        raise DomainError("the selectors preset needs --option url=... (the site's address or search page)", field="url")
    base_url, path, host = _url({"url": url})
    if path != "/" and not config.get("search_url"):
        config.setdefault("search_path", path)
    country = _country(options, default=known.country if known and not options.get("url") else "")
    currency = _currency(options, default=str(config.get("currency") or COUNTRY_CURRENCIES.get(country, "USD")))
    if "currency" in options:
        config["currency"] = currency  # the agent reads the config's currency first
    return MarketplaceSpec(
        slug=(slugify(site) if site and not options.get("url") else _host_slug("", host))[:50],
        name=options.get("name", "").strip() or (known.label if known and not options.get("url") else host.removeprefix("www.")),
        agent="selectors",
        base_url=base_url,
        default_currency=currency,
        country=country,
        requests_per_minute=6,
        config=config,
    )


def _selectors_site(site: str) -> Callable[[dict[str, str]], MarketplaceSpec]:
    def build(options: dict[str, str]) -> MarketplaceSpec:
        return _selectors({"site": site})

    return build


_CITY_OPTIONS = (
    OptionSpec("city", "the site's city name (see the table in docs/AGENTS.md)", required=True),
    OptionSpec("country", "ISO 3166 country code, for a city not in the table (sets the currency)"),
    OptionSpec("currency", "ISO 4217 code, overriding the country's"),
)
_SHOP_OPTIONS = (
    OptionSpec("name", "display name (default: the host)"),
    OptionSpec("query_param", "the URL parameter that carries the query (default q)"),
    OptionSpec("country", "ISO 3166 country code (sets the currency)"),
    OptionSpec("currency", "ISO 4217 code of prices that do not say (default from country, else USD)"),
)


def _presets() -> dict[str, Preset]:
    presets: list[Preset] = []
    for site in EBAY_SITES:
        presets.append(
            Preset(
                name=f"ebay-{site.code}",
                agent="ebay",
                description=f"{site.label} through the Browse API ({site.marketplace_id}, {site.currency}; needs EBAY_CLIENT_ID/SECRET)",
                options=(),
                build=_ebay_api(site),
                country=site.country,
                currency=site.currency,
            )
        )
    for site in EBAY_SITES:
        presets.append(
            Preset(
                name=f"ebay-html-{site.code}",
                agent="ebay_html",
                description=f"{site.label} search result pages (https://{site.domain}, {site.currency})",
                options=(),
                build=_ebay_html(site),
                country=site.country,
                currency=site.currency,
            )
        )
    presets += [
        Preset(
            name="craigslist",
            agent="craigslist",
            description="Craigslist, one city: --option city=sfbay (https://<city>.craigslist.org; CAD for Canadian cities)",
            options=(
                *_CITY_OPTIONS,
                OptionSpec("category", "category code (default sss, all for sale)"),
                OptionSpec("timezone", "IANA zone of the city's dates"),
            ),
            build=_craigslist,
        ),
        Preset(
            name="facebook",
            agent="facebook",
            description="Facebook Marketplace, one city: --option city=nyc (logged-out pages; its robots.txt disallows crawlers, so runs are blocked)",
            options=_CITY_OPTIONS,
            build=_facebook,
        ),
        Preset(
            name="jsonld",
            agent="jsonld",
            description="a shop publishing schema.org data: --option url=https://shop.example/search",
            options=(OptionSpec("url", "the shop's search page, without query string", required=True), *_SHOP_OPTIONS),
            build=_shop("jsonld", "", "search_path"),
        ),
        Preset(
            name="rss",
            agent="rss",
            description="an RSS or Atom feed: --option url=https://site.example/feed.xml",
            options=(OptionSpec("url", "the feed's URL, without query string", required=True), *_SHOP_OPTIONS),
            build=_shop("rss", "rss", "feed_path"),
        ),
        Preset(
            name="selectors",
            agent="selectors",
            description="a classifieds site read with CSS selectors: --option site=NAME (a shipped config) and/or --option config='{...}', --option url=",
            options=(
                OptionSpec("site", "a site config shipped with the selectors agent"),
                OptionSpec("config", "a JSON object of selectors, merged over the site's"),
                OptionSpec("url", "the site's address or search page (default: the shipped site's address)"),
                OptionSpec("name", "display name"),
                OptionSpec("country", "ISO 3166 country code (sets the currency)"),
                OptionSpec("currency", "ISO 4217 code"),
            ),
            build=_selectors,
        ),
    ]
    configs = selectors_site_configs()
    for site_name, where in SELECTORS_SITES.items():
        if site_name in configs:  # shipped with the selectors agent
            presets.append(
                Preset(
                    name=site_name,
                    agent="selectors",
                    description=f"{where.label} ({where.base_url}) read with the selectors agent's shipped config",
                    options=(),
                    build=_selectors_site(site_name),
                    country=where.country,
                    currency=str(configs[site_name].get("currency") or COUNTRY_CURRENCIES.get(where.country, "")),
                )
            )
    return {preset.name: preset for preset in presets}


PRESETS: dict[str, Preset] = _presets()


def preset_names() -> list[str]:
    return list(PRESETS)


def preset_get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise DomainError(
            f"unknown preset {name!r}; `python manage.py marketplaces presets` lists them", field="preset", code="unknown_preset"
        ) from None


def preset_build(name: str, options: dict[str, str] | None = None) -> MarketplaceSpec:
    """The Marketplace values of preset ``name`` with these options, checked."""
    preset = preset_get(name)
    options = dict(options or {})
    allowed = {option.name for option in preset.options}
    unknown = sorted(set(options) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) if allowed else "no options"
        raise DomainError(f"preset {name} does not take option {unknown[0]!r} (it takes: {takes})", field=unknown[0], code="unknown_option")
    for option in preset.options:
        if option.required and not options.get(option.name, "").strip():
            raise DomainError(f"preset {name} needs --option {option.name}=... ({option.help})", field=option.name, code="missing_option")
    return preset.build(options)


def options_parse(pairs: list[str]) -> dict[str, str]:
    """``["city=sfbay", "country=US"]`` -> ``{"city": "sfbay", "country": "US"}``; a pair without ``=`` is an error."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DomainError(f"option {pair!r} is not key=value", field="option")
        if key in options:
            raise DomainError(f"option {key!r} given twice", field=key)
        options[key] = value
    return options
