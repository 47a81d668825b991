"""Agent for Craigslist search result pages, as a plain HTTP client receives them.

- Current markup: ``li.cl-static-search-result`` rows (title, price, neighbourhood,
  link) joined, by position, with the page's JSON-LD ``ItemList``
  (``script#ld_searchpage_results``), which adds currency, images and coordinates but
  carries no URL. When the two disagree on a title the row wins and the JSON-LD entry
  is looked up by title instead, so a reordered list never crosses two listings.
- The markup Craigslist's own script renders in a browser (pages saved from one, and
  mirrors that render): ``div.cl-search-result[data-pid]`` with ``a.posting-title``,
  ``span.priceinfo`` and the posting time in a ``title`` attribute with its UTC offset.
  Such pages always carry the hidden "no results" widget, so it counts only when the
  page holds no row at all.
- Older markup that some mirrors still serve: ``li.result-row[data-pid]`` with
  ``time.result-date`` (local time: read in the marketplace's ``config.timezone``,
  left empty without one) and ``span.result-hood``.

Region and category come from the marketplace: ``base_url`` is the region's site
(``https://sfbay.craigslist.org``) and ``config.category`` the category (``sss``, all
for sale). lxml on the hot path.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
from lxml.etree import XPath

from listings.agents import register
from listings.agents._html import parse_html, raise_if_blocked, text_of
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import as_dict, canonical_url, clean_title, parse_price, to_decimal


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


KM_PER_MILE = 1.609344
_POST_ID = re.compile(r"/(\d{6,})\.html")
_STATIC_ROWS = XPath(f"//li[{_cls('cl-static-search-result')}]")
_OLD_ROWS = XPath(f"//li[{_cls('result-row')}]")
_RENDERED_ROWS = XPath(f"//*[{_cls('cl-search-result')}][@data-pid]")
_RENDERED_TIME = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-])(\d{2})(\d{2})")
_MONTHS = {
    name: number for number, name in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_LD_RESULTS = XPath("//script[@id='ld_searchpage_results']/text()")
_NO_RESULTS = XPath(f"//*[{_cls('cl-no-results')} or {_cls('noresults')} or {_cls('no-results')}]")
_RESULTS_CONTAINER = XPath(f"//*[{_cls('cl-static-search-results')} or {_cls('rows')} or @id='search-results']")
_DIV = {name: XPath(f".//*[{_cls(name)}]") for name in ("result-title", "result-price", "result-hood")}
_OLD_DATE = XPath(f".//time[{_cls('result-date')}]/@datetime")
_OLD_IMAGES = XPath(f".//a[{_cls('result-image')}]/@data-ids")


@register
class CraigslistAgent(Agent):
    name = "craigslist"
    server_side_filters = frozenset({"min_price", "max_price"})
    place_filters = frozenset({"postal_code", "radius_km"})

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        category = config.get("category", "sss")
        params = {"query": query.text, "sort": "date"}
        if query.min_price is not None:
            params["min_price"] = str(int(query.min_price))
        if query.max_price is not None:
            params["max_price"] = str(int(query.max_price))
        if query.postal_code and query.radius_km:
            # Craigslist searches around a ZIP, in whole miles, within the region's site.
            params["postal"] = query.postal_code
            params["search_distance"] = str(max(1, math.ceil(query.radius_km / KM_PER_MILE)))
        return FetchRequest(url=f"{base_url.rstrip('/')}/search/{category}", params=params)

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        document = parse_html(body, encoding=ctx.encoding)
        static_rows = _STATIC_ROWS(document)
        ld_items = _ld_items(document)
        listings: dict[str, ListingData] = {}
        for position, row in enumerate(static_rows):
            listing = _from_static_row(row, position, ld_items, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        rendered_rows = [] if static_rows else _RENDERED_ROWS(document)
        for row in rendered_rows:
            listing = _from_rendered_row(row, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        if not static_rows and not rendered_rows:
            for row in _OLD_ROWS(document):
                listing = _from_old_row(row, ctx)
                if listing is not None:
                    listings.setdefault(listing.external_id, listing)
        if listings:
            return ParseResult(listings=list(listings.values()))
        if _NO_RESULTS(document) or (ld_items is not None and not ld_items and not static_rows):
            return ParseResult(listings=[], no_results=True)
        raise_if_blocked(body)
        if static_rows or rendered_rows or _RESULTS_CONTAINER(document):
            raise ParseError("a Craigslist result list with no row this agent can read (markup changed?)")
        raise ParseError("not a Craigslist search result page (no result rows)")


def _ld_items(document: lxml.html.HtmlElement) -> list[dict[str, Any]] | None:
    """The JSON-LD ItemList's products in list order; None when the page has none."""
    texts = _LD_RESULTS(document)
    if not texts:
        return None
    try:
        data = json.loads(texts[0])
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON-LD result list: {exc.msg} at line {exc.lineno}") from exc
    elements = data.get("itemListElement") if isinstance(data, dict) else None
    if not isinstance(elements, list):
        return []

    def position(element: Any) -> int:
        try:
            return int(element.get("position", 0))
        except (TypeError, ValueError, AttributeError):
            return 0

    ordered = sorted((e for e in elements if isinstance(e, dict)), key=position)
    return [as_dict(e.get("item")) for e in ordered]


def _ld_for(title: str, position: int, ld_items: list[dict[str, Any]] | None) -> dict[str, Any]:
    if not ld_items:
        return {}
    if position < len(ld_items) and clean_title(str(ld_items[position].get("name", ""))) == title:
        return ld_items[position]
    for item in ld_items:
        if clean_title(str(item.get("name", ""))) == title:
            return item
    return {}


def _from_static_row(
    row: lxml.html.HtmlElement, position: int, ld_items: list[dict[str, Any]] | None, ctx: ParseContext
) -> ListingData | None:
    # One pass over the row's few elements: cheaper than an XPath query per field.
    href = ""
    texts: dict[str, str] = {}
    for element in row.iter("a", "div"):
        if element.tag == "a":
            href = href or element.get("href", "")
            continue
        css = element.get("class")
        if css in ("title", "price", "location") and css not in texts:
            # Leaf divs: their own text, whitespace folded (the page is prettified).
            texts[css] = " ".join((element.text or "").split()) if not len(element) else text_of(element)
    match = _POST_ID.search(href)
    title = clean_title(row.get("title") or texts.get("title", ""))
    if match is None or not title:
        return None
    ld = _ld_for(title, position, ld_items)
    offer = as_dict(ld.get("offers"))
    currency = str(offer.get("priceCurrency") or "").upper()
    price = to_decimal(offer.get("price"))  # the JSON-LD's plain number, when the row has one
    if price is None or not currency:
        money = parse_price(texts.get("price", ""), default_currency=currency or ctx.default_currency)
        price, currency = (money.amount if price is None else price), currency or money.currency
    place = as_dict(offer.get("availableAtOrFrom"))
    images = ld.get("image") or []
    image = images[0] if isinstance(images, list) and images else (images if isinstance(images, str) else "")
    geo = as_dict(place.get("geo"))
    return ListingData(
        external_id=match.group(1),
        url=canonical_url(href, ctx.url),
        title=title,
        price=price,
        currency=currency,
        location=texts.get("location", ""),
        image_url=canonical_url(image, ctx.url) if image else "",
        raw={"markup": "cl-static", "latitude": geo.get("latitude"), "longitude": geo.get("longitude")},
    )


def _from_old_row(row: lxml.html.HtmlElement, ctx: ParseContext) -> ListingData | None:
    titles = _DIV["result-title"](row)
    link = titles[0] if titles else None
    href = link.get("href", "") if link is not None else ""
    external_id = row.get("data-pid") or (m.group(1) if (m := _POST_ID.search(href)) else "")
    title = clean_title(text_of(link))
    if not external_id or not href or not title:
        return None
    prices = _DIV["result-price"](row)
    hoods = _DIV["result-hood"](row)
    money = parse_price(text_of(prices[0]) if prices else "", default_currency=ctx.default_currency)
    image_ids = _OLD_IMAGES(row)
    image = ""
    if image_ids:
        first_id = image_ids[0].split(",")[0].split(":", 1)[-1]
        image = f"https://images.craigslist.org/{first_id}_300x300.jpg" if first_id else ""
    dates = _OLD_DATE(row)
    return ListingData(
        external_id=external_id,
        url=canonical_url(href, ctx.url),
        title=title,
        price=money.amount,
        currency=money.currency,
        location=text_of(hoods[0] if hoods else None).strip("() ").strip(),
        image_url=image,
        posted_at=_local_time(dates[0] if dates else "", ctx.config.get("timezone")),
        raw={"markup": "result-row"},
    )


def _from_rendered_row(row: lxml.html.HtmlElement, ctx: ParseContext) -> ListingData | None:
    external_id = (row.get("data-pid") or "").strip()
    href = title = price_text = image = posted = location = ""
    for element in row.iter("a", "span", "img", "div"):
        css = element.get("class") or ""
        if element.tag == "a" and "posting-title" in css:
            href = element.get("href", "")
            title = text_of(element)
        elif element.tag == "span" and "priceinfo" in css and not price_text:
            price_text = text_of(element)
        elif element.tag == "span" and not posted and element.get("title") and _RENDERED_TIME.match(element.get("title", "")):
            posted = element.get("title", "")
        elif element.tag == "img" and not image and "empty.png" not in element.get("src", ""):
            image = element.get("src", "")
        elif element.tag == "div" and not css and not location and element.getparent() is not None:
            if "result-info" in (element.getparent().get("class") or ""):
                location = text_of(element)
    title = clean_title(title or row.get("title") or "")
    if not external_id.isdigit() or not href or not title:
        return None
    money = parse_price(price_text, default_currency=ctx.default_currency)
    return ListingData(
        external_id=external_id,
        url=canonical_url(href, ctx.url),
        title=title,
        price=money.amount,
        currency=money.currency,
        location=location,
        image_url=canonical_url(image, ctx.url) if image else "",
        posted_at=_rendered_time(posted),
        raw={"markup": "cl-search-result"},
    )


def _rendered_time(value: str) -> datetime | None:
    """ "Tue Jul 15 2025 18:35:30 GMT-0700 (Pacific Daylight Time)" -> UTC (no strptime: 200 a page)."""
    match = _RENDERED_TIME.match(value or "")
    if not match or match[1] not in _MONTHS:
        return None
    sign = -1 if match[7] == "-" else 1
    offset = timedelta(hours=int(match[8]), minutes=int(match[9])) * sign
    try:
        local = datetime(int(match[3]), _MONTHS[match[1]], int(match[2]), int(match[4]), int(match[5]), int(match[6]), tzinfo=UTC)
    except ValueError:
        return None
    return local - offset


def _local_time(value: str, timezone_name: str | None) -> datetime | None:
    if not value or not timezone_name:
        return None
    try:
        zone = ZoneInfo(timezone_name)
        local = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=zone)  # noqa: DTZ007 - zone set right here
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return local.astimezone(UTC)
