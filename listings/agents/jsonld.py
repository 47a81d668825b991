"""Agent for any page that publishes schema.org data as JSON-LD.

Reads ``ItemList``, ``Product``, ``Offer`` and ``AggregateOffer`` nodes, wherever they
sit (top level, ``@graph``, ``itemListElement``). The hot path is lxml plus ``json``:
only the ``<script type="application/ld+json">`` blocks are parsed as data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import lxml.html
from django.utils.dateparse import parse_datetime

from listings.agents import register
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import canonical_url, clean_title, normalize_condition, to_decimal


@register
class JsonLdAgent(Agent):
    name = "jsonld"
    server_side_filters = frozenset()

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        path = config.get("search_path", "/search")
        param = config.get("query_param", "q")
        return FetchRequest(url=base_url.rstrip("/") + path, params={param: query.text})

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        blocks = _jsonld_blocks(body)
        listings: dict[str, ListingData] = {}
        saw_item_list = False
        for block in blocks:
            for node in _walk(block):
                types = _types(node)
                if "ItemList" in types:
                    saw_item_list = True
                if "Product" in types:
                    listing = _listing_from_product(node, ctx)
                    if listing is not None:
                        listings.setdefault(listing.external_id, listing)
        if not listings and not saw_item_list:
            raise ParseError("no schema.org ItemList or Product with an offer in the page's JSON-LD")
        return ParseResult(listings=list(listings.values()), no_results=saw_item_list and not listings)


def _jsonld_blocks(body: bytes) -> list[Any]:
    if not body or not body.strip():
        raise ParseError("empty page")
    try:
        document = lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"not an HTML page: {exc}") from exc
    blocks = []
    for script in document.xpath('//script[@type="application/ld+json"]'):
        text = script.text or ""
        try:
            blocks.append(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ParseError(f"malformed JSON-LD block: {exc.msg} at line {exc.lineno}") from exc
    return blocks


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


def _listing_from_product(node: dict[str, Any], ctx: ParseContext) -> ListingData | None:
    offer = _offer(node)
    if offer is None:
        return None
    if "AggregateOffer" in _types(offer):
        price = to_decimal(offer.get("lowPrice", offer.get("price")))
    else:
        price = to_decimal(offer.get("price"))
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
    posted: datetime | None = parse_datetime(str(node.get("releaseDate") or offer.get("validFrom") or "")) or None
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
        raw=node,
    )
