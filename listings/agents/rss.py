"""Agent for RSS and Atom feeds (feedparser).

A marketplace that publishes its searches as a feed (classifieds sites, shop
platforms, eBay's old RSS) needs no HTML parsing at all. The price comes from the
item's own fields where the feed has them (``g:price`` from Google's merchant
namespace, ``price``, eBay's ``CurrentPrice``), else from a price written in the title
(``Nikon F3 - $450``), else from the summary; shipping from brackets after a price at the
end of the title (``- $245 ($30)``, ``- $37.99 (FREE)``), as feeds made from marketplace
searches write it. A valid feed with no entries is an
explicit "no results"; bytes that are not a feed are a parse error.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import feedparser

from listings.agents import register
from listings.agents._html import raise_if_blocked
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import Money, canonical_url, clean_title, normalize_condition, parse_price

_PRICE_FIELDS = ("g_price", "price", "ebay_currentprice", "ebay_buyitnowprice", "g_sale_price")
_PRICE_IN_TEXT = re.compile(
    r"(?:US\$|CA\$|C\$|A\$|AU\$|NZ\$|R\$|[$£€¥₹])\s?\d[\d,. ]*\d?"
    r"|\d[\d,. ]*\d?\s?(?:€|kr|zł|EUR|USD|GBP|SEK|NOK|DKK|CHF|PLN)(?!\w)",
)
_TAGS = re.compile(r"<[^>]+>")
# "... - $245 ($30)", "- $37.99 (FREE)", "- $227.33 (+$84.30 delivery)": feeds made from
# marketplace searches put the shipping in brackets after the price at the end of the title.
_TITLE_SHIPPING = re.compile(r"\d\s*\((?P<shipping>free[^)]*|\+?\s*[^()]*?\d[^()]*)\)\s*$", re.I)


@register
class RssAgent(Agent):
    name = "rss"
    server_side_filters = frozenset()

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        path = config.get("feed_path", "/feed.xml")
        return FetchRequest(url=base_url.rstrip("/") + path, params={config.get("query_param", "q"): query.text})

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        if not body or not body.strip():
            raise ParseError("empty feed")
        feed = feedparser.parse(body, response_headers={"content-location": ctx.url} if ctx.url else None)
        if not feed.get("version"):
            raise_if_blocked(body)
            reason = feed.get("bozo_exception")
            raise ParseError(f"not an RSS or Atom feed{': ' + str(reason) if reason else ''}")
        listings: dict[str, ListingData] = {}
        for entry in feed.entries:
            listing = _listing(entry, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        if feed.entries and not listings:
            raise ParseError(f"{len(feed.entries)} feed entries but none with a title and a link")
        return ParseResult(listings=list(listings.values()), no_results=not feed.entries)


def _price(entry: Any, ctx: ParseContext) -> Money:
    for key in _PRICE_FIELDS:
        value = entry.get(key)
        if value:
            money = parse_price(str(value), default_currency=ctx.default_currency)
            if money.amount is not None:
                currency = entry.get("g_currency") or entry.get("currency")
                return Money(money.amount, str(currency).upper()[:3] if currency else money.currency)
    for text in (entry.get("title", ""), _TAGS.sub(" ", entry.get("summary", ""))):
        match = _PRICE_IN_TEXT.search(text or "")
        if match:
            money = parse_price(match.group(0), default_currency=ctx.default_currency)
            if money.amount is not None:
                return money
    return Money(None, ctx.default_currency.upper())


def _image(entry: Any) -> str:
    for key in ("media_content", "media_thumbnail"):
        items = entry.get(key) or []
        if items and items[0].get("url"):
            return str(items[0]["url"])
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith("image/") and enclosure.get("href"):
            return str(enclosure["href"])
    return str(entry.get("g_image_link") or "")


def _listing(entry: Any, ctx: ParseContext) -> ListingData | None:
    link = entry.get("link") or ""
    title = clean_title(entry.get("title", ""))
    if not link or not title:
        return None
    url = canonical_url(link, ctx.url)
    external_id = str(entry.get("id") or entry.get("g_id") or url)[:200]
    parsed_time = entry.get("published_parsed") or entry.get("updated_parsed")
    posted = datetime.fromtimestamp(calendar.timegm(parsed_time), tz=UTC) if parsed_time else None
    money = _price(entry, ctx)
    shipping = None
    bracket = _TITLE_SHIPPING.search(title)
    if bracket:
        text = bracket["shipping"].strip().lstrip("+").strip()
        shipping = Decimal("0.00") if text.lower().startswith("free") else parse_price(text, default_currency=ctx.default_currency).amount
    author = entry.get("author_detail", {}).get("name") or entry.get("author") or ""
    return ListingData(
        external_id=external_id,
        url=url,
        title=title,
        price=money.amount,
        currency=money.currency,
        condition=normalize_condition(entry.get("g_condition") or entry.get("condition")),
        location=str(entry.get("g_location") or entry.get("location") or ""),
        image_url=_image(entry),
        seller=str(author),
        posted_at=posted,
        shipping=shipping,
        raw={"id": entry.get("id"), "link": link},
    )
