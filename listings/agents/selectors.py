"""Agent for sites that publish neither JSON-LD nor a feed: CSS selectors from the row's config.

A ``Marketplace`` row with ``agent = "selectors"`` says in its ``config`` where a
result page keeps each field (sample configs per site: ``selectors_presets.SITE_CONFIGS``):

=================  ========  ================================================================
key                required  what
=================  ========  ================================================================
``item``           yes       CSS selector of one result (a card, a row)
``title``          yes       CSS inside the item; its text, or ``"sel @attr"`` for an attribute
``link``           yes       CSS inside the item of the link (``href`` unless ``@attr`` says)
``price``          no        CSS inside the item of the displayed price ("131 444 640 сум")
``image``          no        CSS inside the item of the image (``src``, ``data-src``, ``srcset``)
``location``       no        CSS inside the item of the place
``location_strip`` no        regular expression cut from the place ("\\s+-\\s+.*$": a date after it)
``no_results``     no        CSS of the page's own "no results" marker
``exclude``        no        CSS: items that match it, or hold a match, are not results (ads)
``id_attribute``   no        attribute of the item holding the site's id (``data-adid``)
``id_regex``       no        regular expression over the link URL, group 1 is the id
``currency``       no        ISO 4217 code of prices that name none (else the marketplace's)
``search_url``     no        URL template with ``{query}`` (absolute, or relative to base_url)
``query_space``    no        what a space in the query becomes in ``search_url`` (default ``+``)
``search_path``    no        without ``search_url``: base_url + this path (default ``/search``)
``query_param``    no        without ``search_url``: the query's parameter name (default ``q``)
=================  ========  ================================================================

Without ``id_attribute`` or ``id_regex`` the listing's id is its canonical URL.
``selectors_config_check`` validates a config (raises ``core.errors.DomainError`` naming
the key), and the agent calls it before every request and parse, so a broken row is
a clear ``failed`` run, never a silent empty one. The page goes through the same polite
client and gets the same statuses as every agent: a page where the item selector finds
nothing and the "no results" marker is absent is a ``parse_error`` with a sample.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urljoin

import lxml.html
from cssselect import GenericTranslator, SelectorError
from lxml.etree import XPath

from core.errors import DomainError
from listings.agents import register
from listings.agents._html import parse_html, raise_if_blocked, text_of
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import canonical_url, clean_title, parse_price

REQUIRED = ("item", "title", "link")
OPTIONAL_SELECTORS = ("price", "image", "location", "no_results", "exclude")
KNOWN_KEYS = frozenset(
    {
        *REQUIRED,
        *OPTIONAL_SELECTORS,
        "location_strip",
        "id_attribute",
        "id_regex",
        "currency",
        "search_url",
        "query_space",
        "search_path",
        "query_param",
        # read by the polite client and the catalogue (listings.catalogue), not by this agent
        "obey_robots_txt",
        "country",
        "preset",
        "url",
        "base_url",
        "name",
    }
)
_ISO = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class _Field:
    css: str
    xpath: XPath
    attribute: str  # "" means the element's text


@dataclass(frozen=True)
class SelectorsConfig:
    """A validated, compiled selectors config."""

    item: _Field
    title: _Field
    link: _Field
    price: _Field | None
    image: _Field | None
    location: _Field | None
    no_results: _Field | None
    exclude: _Field | None
    location_strip: re.Pattern[str] | None
    id_attribute: str
    id_regex: re.Pattern[str] | None
    currency: str
    search_url: str
    query_space: str
    search_path: str
    query_param: str


def _compile(key: str, value: Any) -> _Field:
    if not isinstance(value, str) or not value.strip():
        raise DomainError(f"selectors config: {key!r} must be a non-empty CSS selector", field=f"config.{key}")
    css, attribute = value.strip(), ""
    if " @" in css:
        css, _, attribute = css.rpartition(" @")
        css, attribute = css.strip(), attribute.strip()
        if not re.fullmatch(r"[A-Za-z_:][-\w:.]*", attribute):
            raise DomainError(f"selectors config: {key!r} names no valid attribute after '@': {value!r}", field=f"config.{key}")
    try:
        # descendant-or-self: a field may be the item itself ("li @title", "[data-adid] @data-adid").
        expression = GenericTranslator().css_to_xpath(css, prefix="descendant-or-self::")
        return _Field(css=css, xpath=XPath(expression), attribute=attribute)
    except (SelectorError, ValueError) as exc:
        raise DomainError(f"selectors config: {key!r} is not a valid CSS selector ({css!r}): {exc}", field=f"config.{key}") from exc
    except Exception as exc:  # lxml's XPathSyntaxError for selectors cssselect accepts but XPath cannot hold
        raise DomainError(f"selectors config: {key!r} cannot be used ({css!r}): {exc}", field=f"config.{key}") from exc


def _regex(key: str, value: Any, *, group: bool) -> re.Pattern[str] | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise DomainError(f"selectors config: {key!r} must be a regular expression (text)", field=f"config.{key}")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise DomainError(f"selectors config: {key!r} is not a valid regular expression: {exc}", field=f"config.{key}") from exc
    if group and pattern.groups < 1:
        raise DomainError(f"selectors config: {key!r} needs one group, (...), around the id", field=f"config.{key}")
    return pattern


def selectors_config_check(config: dict[str, Any] | None) -> SelectorsConfig:
    """The compiled config, or DomainError naming the first key that is missing or wrong."""
    return _checked(json.dumps(config or {}, sort_keys=True, default=str))


@functools.lru_cache(maxsize=256)
def _checked(serialized: str) -> SelectorsConfig:
    config = json.loads(serialized)
    if not isinstance(config, dict):
        raise DomainError("selectors config must be an object", field="config")
    for key in REQUIRED:
        if not config.get(key):
            raise DomainError(f"selectors config: {key!r} is required (a CSS selector)", field=f"config.{key}")
    unknown = sorted(set(config) - KNOWN_KEYS)
    if unknown:
        raise DomainError(f"selectors config: unknown key(s) {', '.join(unknown)}", field=f"config.{unknown[0]}")
    optional = {key: _compile(key, config[key]) if config.get(key) else None for key in OPTIONAL_SELECTORS}
    currency = str(config.get("currency") or "").upper()
    if currency and not _ISO.match(currency):
        raise DomainError(f"selectors config: 'currency' must be an ISO 4217 code such as EUR, not {currency!r}", field="config.currency")
    search_url = str(config.get("search_url") or "")
    if search_url and "{query}" not in search_url:
        raise DomainError("selectors config: 'search_url' must contain {query}", field="config.search_url")
    id_attribute = str(config.get("id_attribute") or "")
    if id_attribute and not re.fullmatch(r"[A-Za-z_:][-\w:.]*", id_attribute):
        raise DomainError(f"selectors config: 'id_attribute' is no attribute name: {id_attribute!r}", field="config.id_attribute")
    return SelectorsConfig(
        item=_compile("item", config["item"]),
        title=_compile("title", config["title"]),
        link=_compile("link", config["link"]),
        price=optional["price"],
        image=optional["image"],
        location=optional["location"],
        no_results=optional["no_results"],
        exclude=optional["exclude"],
        location_strip=_regex("location_strip", config.get("location_strip"), group=False),
        id_attribute=id_attribute,
        id_regex=_regex("id_regex", config.get("id_regex"), group=True),
        currency=currency,
        search_url=search_url,
        query_space=str(config.get("query_space") or "+"),
        search_path=str(config.get("search_path") or "/search"),
        query_param=str(config.get("query_param") or "q"),
    )


@register
class SelectorsAgent(Agent):
    name = "selectors"
    server_side_filters = frozenset()

    def check_config(self, config: dict[str, Any]) -> None:
        selectors_config_check(config)

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        compiled = selectors_config_check(config)
        if compiled.search_url:
            words = query.text.split()
            if compiled.query_space == "+":
                encoded = quote_plus(" ".join(words))
            else:
                encoded = compiled.query_space.join(quote(word, safe="") for word in words)
            url = compiled.search_url.replace("{query}", encoded)
            return FetchRequest(url=urljoin(base_url.rstrip("/") + "/", url))
        return FetchRequest(url=base_url.rstrip("/") + compiled.search_path, params={compiled.query_param: query.text})

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        compiled = selectors_config_check(ctx.config)
        document = parse_html(body, encoding=ctx.encoding)
        items = compiled.item.xpath(document)
        listings: dict[str, ListingData] = {}
        for element in items:
            if compiled.exclude is not None and compiled.exclude.xpath(element):
                continue
            listing = _listing(element, compiled, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        if listings:
            return ParseResult(listings=list(listings.values()))
        if compiled.no_results is not None and compiled.no_results.xpath(document):
            return ParseResult(listings=[], no_results=True)
        raise_if_blocked(body)
        if items:
            raise ParseError(
                f"{len(items)} elements match the item selector {compiled.item.css!r} but none has a title "
                f"({compiled.title.css!r}) and a link ({compiled.link.css!r}): has the markup changed?"
            )
        marker = (
            f"nor the 'no results' marker {compiled.no_results.css!r}"
            if compiled.no_results
            else "and no 'no results' marker is configured"
        )
        raise ParseError(f"nothing on the page matches the item selector {compiled.item.css!r} {marker}")


def _value(field: _Field | None, element: lxml.html.HtmlElement, *, default_attributes: tuple[str, ...] = ()) -> str:
    if field is None:
        return ""
    for match in field.xpath(element):
        if not isinstance(match, lxml.html.HtmlElement):
            continue
        if field.attribute:
            value = match.get(field.attribute, "")
        elif default_attributes:
            value = next((match.get(name, "") for name in default_attributes if match.get(name)), "")
        else:
            value = text_of(match)
        if value.strip():
            return value.strip()
    return ""


def _image(field: _Field | None, element: lxml.html.HtmlElement) -> str:
    value = _value(field, element, default_attributes=("src", "data-src", "data-lazy-src", "srcset", "content"))
    if value and " " in value.strip():  # a srcset: its first URL
        value = value.strip().split()[0].rstrip(",")
    return "" if value.startswith("data:") else value


def _listing(element: lxml.html.HtmlElement, compiled: SelectorsConfig, ctx: ParseContext) -> ListingData | None:
    href = _value(compiled.link, element, default_attributes=("href",))
    title = clean_title(_value(compiled.title, element))
    if not href or not title or href.startswith(("javascript:", "#")):
        return None
    url = canonical_url(href, ctx.url)
    external_id = ""
    if compiled.id_attribute:
        external_id = (element.get(compiled.id_attribute) or "").strip()
    if not external_id and compiled.id_regex is not None:
        match = compiled.id_regex.search(url) or compiled.id_regex.search(href)
        external_id = match.group(1) if match else ""
    external_id = external_id or url
    price_text = _value(compiled.price, element)
    money = parse_price(price_text, default_currency=compiled.currency or ctx.default_currency)
    location = _value(compiled.location, element)
    if location and compiled.location_strip is not None:
        location = compiled.location_strip.sub("", location).strip(" ,-")
    image = _image(compiled.image, element)
    return ListingData(
        external_id=external_id,
        url=url,
        title=title,
        price=money.amount,
        currency=money.currency,
        location=location,
        image_url=canonical_url(image, ctx.url) if image else "",
        raw={"markup": "selectors", "price_text": price_text, "price_high": None if money.high is None else str(money.high)},
    )
