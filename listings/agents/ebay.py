"""Agent for the eBay Browse API: ``item_summary/search`` (and ``getItem`` responses).

Requests: query, price range and currency, conditions, buying options, newest first,
with the ``X-EBAY-C-MARKETPLACE-ID`` header from ``config.marketplace_id``.
Authentication is an application token (OAuth client credentials) minted from
``EBAY_CLIENT_ID``/``EBAY_CLIENT_SECRET`` at ``config.token_url``; it is kept in the
Django cache (shared by every worker) until shortly before it expires, because eBay
limits how often tokens are minted, and minted again once when the API answers 401.

``parse`` reads a search response (``itemSummaries``; ``total: 0`` is an explicit
"no results") or a single ``getItem`` response (one listing). JSON only, so it is
measured against a bare ``json.loads``. Text after the JSON document (a log line a
capture tool appended, say) is ignored; anything else that is not JSON is a parse error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache

from listings.agents import register
from listings.agents.base import (
    Agent,
    AgentAuthError,
    BlockedPage,
    FetchRequest,
    ListingData,
    ParseContext,
    ParseError,
    ParseResult,
    ScoutQuery,
)
from listings.http import FetchError
from listings.normalize import as_dict, canonical_url, clean_title, normalize_condition, parse_timestamp, to_decimal

logger = logging.getLogger(__name__)

TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"  # noqa: S105 - a URL, not a secret
TOKEN_SCOPE = "https://api.ebay.com/oauth/api_scope"  # noqa: S105 - a scope name, not a secret
# Keep a token this many seconds less than eBay says, so none expires mid-request.
TOKEN_EXPIRY_MARGIN = 120
_CONDITIONS = {"new": "NEW", "used": "USED", "refurbished": "REFURBISHED", "for_parts": "FOR_PARTS"}


class EbayAuthError(AgentAuthError):
    """The eBay token could not be minted (no credentials, or eBay refused them)."""


@register
class EbayApiAgent(Agent):
    name = "ebay"
    server_side_filters = frozenset({"min_price", "max_price", "currency", "condition"})
    place_filters = frozenset({"country", "postal_code", "radius_km"})
    obeys_robots_txt = False  # an API under its own terms of use, not a crawl

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        filters = []
        if query.min_price is not None or query.max_price is not None:
            low = "" if query.min_price is None else str(query.min_price)
            high = "" if query.max_price is None else str(query.max_price)
            filters.append(f"price:[{low}..{high}]")
            if query.currency:
                filters.append(f"priceCurrency:{query.currency}")
        if query.condition in _CONDITIONS:
            filters.append(f"conditions:{{{_CONDITIONS[query.condition]}}}")
        buying = config.get("buying_options") or ["FIXED_PRICE", "AUCTION"]
        filters.append("buyingOptions:{" + "|".join(buying) + "}")
        filters.extend(_place_filters(query))
        params = {"q": query.text, "sort": "newlyListed", "limit": str(config.get("limit", 50)), "filter": ",".join(filters)}
        headers = {"X-EBAY-C-MARKETPLACE-ID": str(config.get("marketplace_id", "EBAY_US")), "Accept": "application/json"}
        if query.country:
            # Where the buyer is: eBay computes shipping costs and availability for it.
            context = f"country={query.country}" + (f",zip={query.postal_code}" if query.postal_code else "")
            headers["X-EBAY-C-ENDUSERCTX"] = "contextualLocation=" + quote(context, safe="")
        return FetchRequest(url=base_url.rstrip("/") + "/buy/browse/v1/item_summary/search", params=params, headers=headers)

    def auth_headers(self, *, client: Any, config: dict[str, Any], refresh: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {application_token(client=client, config=config, refresh=refresh)}"}

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        data = _load_json(body)
        if not isinstance(data, dict):
            raise ParseError("an eBay API response must be a JSON object")
        if "itemSummaries" in data or "total" in data:
            summaries = data.get("itemSummaries") or []
            if not isinstance(summaries, list):
                raise ParseError("itemSummaries is not a list")
            listings = [listing for item in summaries if (listing := _listing(item, ctx)) is not None]
            if summaries and not listings:
                raise ParseError(f"{len(summaries)} itemSummaries but none with an id, title and URL")
            return ParseResult(listings=listings, no_results=not summaries and int(data.get("total") or 0) == 0)
        if "itemId" in data and "title" in data:
            listing = _listing(data, ctx)
            if listing is None:
                raise ParseError("a getItem response without an id, title or URL")
            return ParseResult(listings=[listing])
        if "errors" in data:
            first = data["errors"][0] if isinstance(data["errors"], list) and data["errors"] else {}
            message = f"eBay API error {first.get('errorId', '?')}: {first.get('message', '')}".strip()
            if first.get("errorId") in (1100, 1001, 1002):  # access denied / invalid token
                raise BlockedPage(message)
            raise ParseError(message)
        raise ParseError("neither an item_summary/search nor a getItem response")


def _place_filters(query: ScoutQuery) -> list[str]:
    """Items that ship to the search's country and, with a postal code and a radius,
    that can be picked up within the radius (the Browse API's pickup filters)."""
    if not query.country:
        return []
    filters = [f"deliveryCountry:{query.country}"]
    if query.postal_code and query.radius_km:
        filters += [
            f"pickupCountry:{query.country}",
            f"pickupPostalCode:{query.postal_code}",
            f"pickupRadius:{query.radius_km}",
            "pickupRadiusUnit:km",
        ]
    return filters


def _load_json(body: bytes) -> Any:
    text = body.decode("utf-8-sig", errors="replace").strip() if body else ""
    if not text:
        raise ParseError("empty response")
    try:
        data, _end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    return data


def _external_id(item: dict[str, Any]) -> str:
    legacy = item.get("legacyItemId")
    if legacy:
        return str(legacy)
    parts = str(item.get("itemId") or "").split("|")
    return parts[1] if len(parts) >= 2 else parts[0]


def _money(node: Any) -> tuple[Any, str]:
    if not isinstance(node, dict):
        return None, ""
    return to_decimal(node.get("value")), str(node.get("currency") or "").upper()


def _listing(item: Any, ctx: ParseContext) -> ListingData | None:
    if not isinstance(item, dict):
        return None
    external_id = _external_id(item)
    title = clean_title(str(item.get("title") or ""))
    url = item.get("itemWebUrl") or item.get("itemAffiliateWebUrl")
    if not external_id or not title or not url:
        return None
    price, currency = _money(item.get("price"))
    if price is None:
        price, currency = _money(item.get("currentBidPrice"))
    shipping = None
    options = item.get("shippingOptions")
    if isinstance(options, list) and options and isinstance(options[0], dict):
        shipping, _ = _money(options[0].get("shippingCost"))
    location = as_dict(item.get("itemLocation"))
    place = ", ".join(str(location[key]) for key in ("city", "stateOrProvince", "country") if location.get(key))
    if not location.get("city") and not location.get("stateOrProvince"):
        place = ", ".join(str(location[key]) for key in ("postalCode", "country") if location.get(key))
    seller = as_dict(item.get("seller"))
    image = as_dict(item.get("image"))
    return ListingData(
        external_id=external_id,
        url=canonical_url(str(url)),
        title=title,
        price=price,
        currency=currency or ctx.default_currency,
        condition=normalize_condition(item.get("conditionId") or item.get("condition")),
        location=place,
        image_url=str(image.get("imageUrl") or ""),
        seller=str(seller.get("username") or ""),
        posted_at=parse_timestamp(item.get("itemCreationDate") or item.get("itemOriginDate")),
        shipping=shipping,
        raw={"itemId": item.get("itemId"), "buyingOptions": item.get("buyingOptions"), "categoryId": item.get("categoryId")},
    )


def _token_cache_key(client_id: str, scope: str) -> str:
    digest = hashlib.sha256(f"{client_id}\n{scope}".encode()).hexdigest()[:16]
    return f"ebay:app-token:{digest}"


def application_token(*, client: Any, config: dict[str, Any], refresh: bool = False) -> str:
    """An application access token, from the cache or freshly minted.

    The secret never reaches a log or an error message; only eBay's error code does.
    """
    client_id, client_secret = settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET
    if not client_id or not client_secret:
        raise EbayAuthError("EBAY_CLIENT_ID and EBAY_CLIENT_SECRET must be set for the ebay agent")
    scope = str(config.get("token_scope", TOKEN_SCOPE))
    key = _token_cache_key(client_id, scope)
    if not refresh:
        token = cache.get(key)
        if token:
            return str(token)
    try:
        response = client.post(
            str(config.get("token_url", TOKEN_URL)),
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client_id, client_secret),
        )
    except FetchError as exc:
        if exc.http_status in (400, 401, 403):
            raise EbayAuthError(f"eBay refused the client credentials (HTTP {exc.http_status} from the token endpoint)") from None
        raise
    try:
        payload = json.loads(response.body)
        token = str(payload["access_token"])
        expires_in = int(payload.get("expires_in", 7200))
    except (ValueError, KeyError, TypeError) as exc:
        raise EbayAuthError("eBay's token endpoint answered without an access_token") from exc
    cache.set(key, token, timeout=max(expires_in - TOKEN_EXPIRY_MARGIN, 1))
    logger.info("ebay_token_minted", extra={"expires_in": expires_in, "refresh": refresh})
    return token
