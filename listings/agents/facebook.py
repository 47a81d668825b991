"""Agent for public (logged-out) Facebook Marketplace pages: the JSON they embed.

The listing data sits in ``<script type="application/json">`` blocks: on a search page
under ``marketplace_search.feed_units.edges[].node.listing``, on a listing page under
``target``. Rather than follow one path that Facebook renames every few months, the
agent walks every block and takes each object that carries ``marketplace_listing_title``
and an ``id``. A feed whose only unit is ``MarketplaceSearchFeedNoResults`` is an
explicit "no results" page. A login wall is ``blocked``. No login, no headless browser.

Hot path: one regular expression over the bytes to find the JSON blocks, then ``json``;
no HTML tree at all, so this agent runs faster than a bare lxml parse of the page.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from listings.agents import register
from listings.agents._html import raise_if_blocked
from listings.agents.base import Agent, BlockedPage, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import (
    as_dict,
    canonical_url,
    clean_title,
    currency_code,
    normalize_condition,
    parse_price,
    parse_timestamp,
    to_decimal,
)

# Marketplace's city pages are /marketplace/<slug>/: the name in lower case without spaces
# or accents ("sanfrancisco", "berlin", "london"), except a few it shortens.
_CITY_SLUGS = {"new york city": "nyc", "new york": "nyc", "los angeles": "la", "washington": "dc"}


def city_slug(city: str) -> str:
    folded = unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode().casefold().strip()
    return _CITY_SLUGS.get(folded) or re.sub(r"[^a-z0-9]", "", folded)


_JSON_SCRIPT = re.compile(rb"<script[^>]*\btype=[\"']application/json[\"'][^>]*>(.*?)</script>", re.S | re.I)
_LOGIN_WALL = (b'id="login_form"', b"/login/?next=", b"You must log in to continue")
_NO_RESULTS_TYPES = {"MarketplaceSearchFeedNoResults"}
_SIGN = re.compile(r"^[^\d]*")


@register
class FacebookAgent(Agent):
    name = "facebook"
    server_side_filters = frozenset({"min_price", "max_price"})
    place_filters = frozenset({"city", "radius_km"})

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        city = quote(city_slug(query.city) if query.city else str(config.get("city", "nyc")), safe="")
        params = {"query": query.text, "sortBy": "creation_time_descend", "exact": "false"}
        if query.city and query.radius_km:
            params["radius"] = str(query.radius_km)  # kilometres, as Marketplace's own URLs say
        if query.min_price is not None:
            params["minPrice"] = str(int(query.min_price))
        if query.max_price is not None:
            params["maxPrice"] = str(int(query.max_price))
        return FetchRequest(url=f"{base_url.rstrip('/')}/marketplace/{city}/search/", params=params)

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        if not body or not body.strip():
            raise ParseError("empty page")
        blocks = _json_blocks(body)
        listings: dict[str, ListingData] = {}
        photos: dict[str, str] = {}
        no_results = False
        saw_marketplace = False
        for block in blocks:
            for node in _walk(block):
                if node.get("__typename") in _NO_RESULTS_TYPES:
                    no_results = True
                if "marketplace_search" in node or "marketplace_listing_title" in node:
                    saw_marketplace = True
                if "listing_photos" in node and node.get("id"):
                    photos.setdefault(str(node["id"]), _photo(node.get("listing_photos")))
                if "marketplace_listing_title" in node and node.get("id"):
                    listing = _listing(node, ctx)
                    if listing is not None:
                        listings.setdefault(listing.external_id, listing)
        for listing in listings.values():
            if not listing.image_url and photos.get(listing.external_id):
                listing.image_url = photos[listing.external_id]
        if listings:
            return ParseResult(listings=list(listings.values()))
        if no_results:
            return ParseResult(listings=[], no_results=True)
        raise_if_blocked(body)
        if any(marker in body for marker in _LOGIN_WALL):
            raise BlockedPage("Facebook answered with its login wall")
        if saw_marketplace:
            raise ParseError("a Marketplace page whose embedded JSON holds no listing this agent can read (format changed?)")
        raise ParseError("not a Facebook Marketplace page (no embedded Marketplace JSON)")


def _json_blocks(body: bytes) -> list[Any]:
    blocks = []
    for match in _JSON_SCRIPT.finditer(body):
        raw = match.group(1)
        if b"marketplace" not in raw and b"NoResults" not in raw:
            continue  # the page carries dozens of unrelated blocks; skip them unparsed
        try:
            blocks.append(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ParseError(f"malformed embedded JSON: {exc}") from exc
    return blocks


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed([value for value in current.values() if isinstance(value, dict | list)]))
        elif isinstance(current, list):
            stack.extend(reversed([value for value in current if isinstance(value, dict | list)]))


def _dig(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _photo(value: Any) -> str:
    if isinstance(value, list) and value:
        return str(_dig(value[0], "image", "uri") or "")
    return ""


def _listing(node: dict[str, Any], ctx: ParseContext) -> ListingData | None:
    if node.get("is_sold") is True:
        return None
    external_id = str(node["id"])
    title = clean_title(str(node.get("marketplace_listing_title") or ""))
    if not external_id.isdigit() or not title:
        return None
    price_node = as_dict(node.get("listing_price"))
    formatted = price_node.get("formatted_amount") or price_node.get("formatted_amount_zeros_stripped") or ""
    currency = str(price_node.get("currency") or "").upper()
    amount = to_decimal(price_node.get("amount"))
    if amount is None:  # only the displayed text: read it whole
        money = parse_price(formatted, default_currency=currency or ctx.default_currency)
        amount, currency = money.amount, currency or money.currency
    elif not currency:  # "$50" beside "50.00": the sign is all we need from the text
        sign = _SIGN.match(formatted)
        currency = currency_code(sign.group().strip() if sign else "", default=ctx.default_currency)
    geocode = _dig(node, "location", "reverse_geocode") or {}
    location = ", ".join(part for part in (geocode.get("city"), geocode.get("state")) if part) if isinstance(geocode, dict) else ""
    location = location or str(_dig(node, "location_text", "text") or "")
    seller = node.get("marketplace_listing_seller")
    condition = ""
    for attribute in node.get("attribute_data") or []:
        if isinstance(attribute, dict) and str(attribute.get("attribute_name", "")).lower() == "condition":
            condition = str(attribute.get("value") or attribute.get("label") or "")
    image = str(_dig(node, "primary_listing_photo", "image", "uri") or "")
    base = ctx.config.get("item_base_url", "https://www.facebook.com")
    return ListingData(
        external_id=external_id,
        url=canonical_url(f"{base.rstrip('/')}/marketplace/item/{external_id}/"),
        title=title,
        price=amount,
        currency=currency,
        condition=normalize_condition(condition),
        location=location,
        image_url=image,
        seller=str(seller.get("name") or "") if isinstance(seller, dict) else "",
        posted_at=parse_timestamp(node.get("creation_time")),
        raw={"is_pending": node.get("is_pending"), "delivery_types": node.get("delivery_types"), "formatted_price": formatted},
    )
