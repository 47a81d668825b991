"""Agent for any page that publishes schema.org data as JSON-LD.

Reads ``ItemList``, ``Product``, ``Offer`` and ``AggregateOffer`` nodes, wherever they
sit (top level, ``@graph``, ``itemListElement``). The hot path is lxml plus ``json``:
only the ``<script type="application/ld+json">`` blocks are parsed as data.

Pages without JSON-LD products fall back to schema.org microdata and to OpenGraph
``product`` tags, read by ``extruct`` (Zyte's library, maintained, and cheap here because
it walks the lxml tree already parsed: ~2 ms on a 1.6 MB page).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import lxml.html
from django.utils.dateparse import parse_datetime
from extruct.opengraph import OpenGraphExtractor
from extruct.w3cmicrodata import MicrodataExtractor

from listings.agents import register
from listings.agents._html import parse_html, raise_if_blocked
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import canonical_url, clean_title, normalize_condition, parse_price, to_decimal


@register
class JsonLdAgent(Agent):
    name = "jsonld"
    server_side_filters = frozenset()

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        path = config.get("search_path", "/search")
        param = config.get("query_param", "q")
        return FetchRequest(url=base_url.rstrip("/") + path, params={param: query.text})

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        document = _document(body, ctx)
        blocks = _jsonld_blocks(document)
        listings: dict[str, ListingData] = {}
        saw_item_list = False
        products = 0
        for block in blocks:
            for node in _walk(block):
                types = _types(node)
                if "ItemList" in types:
                    saw_item_list = True
                if "Product" in types:
                    products += 1
                    listing = _listing_from_product(node, ctx)
                    if listing is not None:
                        listings.setdefault(listing.external_id, listing)
        if not listings and not saw_item_list:
            for node in _fallback_nodes(document, ctx):
                listing = _listing_from_product(node, ctx)
                if listing is not None:
                    listings.setdefault(listing.external_id, listing)
        if not listings and not saw_item_list:
            raise_if_blocked(body)
            malformed = [block for block in blocks if isinstance(block, _MalformedBlock)]
            if malformed:
                raise ParseError(str(malformed[0]))
            raise ParseError("no schema.org ItemList or Product with an offer in the page's JSON-LD, microdata or OpenGraph tags")
        if products and not listings:
            raise ParseError(f"{products} schema.org Products but none with a name, an offer and a URL")
        return ParseResult(listings=list(listings.values()), no_results=saw_item_list and not listings)


def _document(body: bytes, ctx: ParseContext) -> lxml.html.HtmlElement:
    return parse_html(body, encoding=ctx.encoding)


def _fallback_nodes(document: lxml.html.HtmlElement, ctx: ParseContext) -> list[dict[str, Any]]:
    """Products from microdata, then from OpenGraph, as JSON-LD-shaped dicts."""
    nodes: list[dict[str, Any]] = []
    try:
        items = MicrodataExtractor().extract_items(document, ctx.url)
        for item in items:
            nodes.extend(_walk(_microdata_to_jsonld(item)))
    except Exception as exc:  # noqa: BLE001 - extruct raises assorted errors on odd markup
        raise ParseError(f"unreadable microdata: {type(exc).__name__}") from exc
    if any("Product" in _types(node) for node in nodes):
        return nodes
    try:
        graphs = list(OpenGraphExtractor().extract_items(document))
    except Exception as exc:  # noqa: BLE001
        raise ParseError(f"unreadable OpenGraph tags: {type(exc).__name__}") from exc
    for graph in graphs:
        properties = dict(graph.get("properties", []))
        if not str(properties.get("og:type", "")).startswith(("product", "og:product")):
            continue
        nodes.append(
            {
                "@type": "Product",
                "name": properties.get("og:title", ""),
                "url": properties.get("og:url", ""),
                "image": properties.get("og:image", ""),
                "sku": properties.get("product:retailer_item_id") or properties.get("og:url", ""),
                "offers": {
                    "@type": "Offer",
                    "price": properties.get("product:price:amount") or properties.get("og:price:amount"),
                    "priceCurrency": properties.get("product:price:currency") or properties.get("og:price:currency"),
                    "itemCondition": properties.get("product:condition", ""),
                    "url": properties.get("og:url", ""),
                },
            }
        )
    return nodes


def _microdata_to_jsonld(item: Any) -> Any:
    if isinstance(item, list):
        return [_microdata_to_jsonld(value) for value in item]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    types = item.get("type") or []
    types = [types] if isinstance(types, str) else types
    node = {"@type": [str(t).rstrip("/").rsplit("/", 1)[-1] for t in types]}
    for key, value in item["properties"].items():
        node[key] = _microdata_to_jsonld(value)
    if item.get("id"):
        node["@id"] = item["id"]
    return node


def _jsonld_blocks(document: lxml.html.HtmlElement) -> list[Any]:
    blocks = []
    for script in document.xpath('//script[@type="application/ld+json"]'):
        text = script.text or ""
        try:
            blocks.append(json.loads(text))
        except json.JSONDecodeError as exc:
            # One broken block (often an unrelated widget's) must not hide the others;
            # the page is a parse error only if nothing else yields a listing.
            blocks.append(_MalformedBlock(f"malformed JSON-LD block: {exc.msg} at line {exc.lineno}"))
    return blocks


class _MalformedBlock(str):
    """A JSON-LD block that is not JSON, kept to explain an empty parse."""


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "itemListElement", "item"):
            if key in node:
                yield from _walk(node[key])


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", [])
    return {value} if isinstance(value, str) else set(value)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _offer(node: dict[str, Any]) -> dict[str, Any] | None:
    offers = _first(node.get("offers"))
    return offers if isinstance(offers, dict) else None


def _price(value: Any, ctx: ParseContext) -> Decimal | None:
    """A schema.org price is a plain number, but pages write "$1,299.99" there too."""
    if value is None:
        return None
    return to_decimal(value) if to_decimal(value) is not None else parse_price(str(value), default_currency=ctx.default_currency).amount


def _listing_from_product(node: dict[str, Any], ctx: ParseContext) -> ListingData | None:
    offer = _offer(node)
    if offer is None:
        return None
    if "AggregateOffer" in _types(offer):
        price = _price(offer.get("lowPrice", offer.get("price")), ctx)
    else:
        price = _price(offer.get("price"), ctx)
    url = offer.get("url") or node.get("url")
    title = clean_title(str(node.get("name") or ""))
    if not url or not title:
        return None
    url = canonical_url(str(url), ctx.url)
    external_id = str(node.get("sku") or node.get("productID") or node.get("@id") or url)
    seller = _first(offer.get("seller"))
    image = _first(node.get("image"))
    if isinstance(image, dict):
        image = image.get("url")
    location = offer.get("availableAtOrFrom") or {}
    if isinstance(location, dict):
        location = location.get("name") or (location.get("address") or {}).get("addressLocality", "")
    try:
        posted: datetime | None = parse_datetime(str(node.get("releaseDate") or offer.get("validFrom") or "")) or None
    except ValueError:  # a well-formed but impossible date ("2026-02-30")
        posted = None
    rate = (_first(offer.get("shippingDetails")) or {}) if isinstance(_first(offer.get("shippingDetails")), dict) else {}
    rate = rate.get("shippingRate") if isinstance(rate.get("shippingRate"), dict) else {}
    shipping = _price(rate.get("value"), ctx) if rate else None
    return ListingData(
        external_id=external_id,
        url=url,
        title=title,
        price=price,
        currency=str(offer.get("priceCurrency") or ctx.default_currency).upper()[:3],
        condition=normalize_condition(offer.get("itemCondition") or node.get("itemCondition")),
        location=str(location or ""),
        image_url=canonical_url(str(image), ctx.url) if image else "",
        seller=str(seller.get("name", "")) if isinstance(seller, dict) else "",
        posted_at=posted,
        shipping=shipping,
        raw=node,
    )
