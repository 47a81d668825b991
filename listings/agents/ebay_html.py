"""Agent for eBay search result pages (``/sch/i.html``), in both markups eBay serves.

- The older markup: ``li.s-item`` rows in ``ul.srp-results``; the item id is only in
  the ``/itm/`` link; a "New listing" badge sits inside the title.
- The newer markup (2024 on): ``li.s-card[data-listingid]``; shipping, location and
  seller appear only as unclassed attribute rows, recognised here by their wording.

Skipped: rows without an ``/itm/`` link (the stray sponsored block at the top of older
pages) and the "Shop on eBay" placeholder rows (item id 123456) that newer pages keep
in the legacy markup. lxml with compiled XPath on the hot path; no BeautifulSoup, since
eBay's markup is well formed enough for lxml's own recovery.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml.etree import XPath

from listings.agents import register
from listings.agents._html import parse_html, raise_if_blocked, text_of
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import canonical_url, clean_title, normalize_condition, parse_price


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


KM_PER_MILE = 1.609344
_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d{9,15})(?:[/?#]|$)")
_PLACEHOLDER_IDS = {"123456"}
_CONDITION_PARAM = {"new": "1000", "used": "3000", "refurbished": "2500", "for_parts": "7000"}

_CARDS = XPath(f"//li[{_cls('s-card')}][@data-listingid]")
_ITEMS = XPath(f"//li[{_cls('s-item')}]")
_RESULTS_CONTAINER = XPath(f"//ul[{_cls('srp-results')}] | //*[{_cls('srp-river-results')}] | //*[@id='srp-river-results']")
_NULL_SEARCH = XPath(f"//*[{_cls('srp-save-null-search')}] | //*[{_cls('srp-save-null-search__heading')}]")


# Text inside titles that is a badge or a screen-reader hint, not the title.
_TITLE_NOISE = XPath(f".//*[{_cls('LIGHT_HIGHLIGHT')} or {_cls('clipped')} or {_cls('s-item__title--tagblock')}]")

_SHIPPING_WORDS = ("postage", "shipping", "delivery")
_FEEDBACK = re.compile(r"^\d+(\.\d+)?% positive")


@register
class EbayHtmlAgent(Agent):
    name = "ebay_html"
    server_side_filters = frozenset({"min_price", "max_price", "condition"})
    place_filters = frozenset({"postal_code", "radius_km"})

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        params = {"_nkw": query.text, "_sop": "10"}  # _sop=10: newly listed first
        if query.min_price is not None:
            params["_udlo"] = str(query.min_price)
        if query.max_price is not None:
            params["_udhi"] = str(query.max_price)
        if query.condition in _CONDITION_PARAM:
            params["LH_ItemCondition"] = _CONDITION_PARAM[query.condition]
        if query.postal_code and query.radius_km:
            # "Items within _sadis of _stpos"; the distance is in the site's unit (miles on
            # ebay.com and ebay.co.uk, km on ebay.de: config.distance_unit).
            unit_km = 1.0 if config.get("distance_unit") == "km" else KM_PER_MILE
            params.update({"_stpos": query.postal_code, "_sadis": str(max(1, round(query.radius_km / unit_km))), "LH_PrefLoc": "99"})
        return FetchRequest(url=base_url.rstrip("/") + config.get("search_path", "/sch/i.html"), params=params)

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        document = parse_html(body, encoding=ctx.encoding)
        listings: dict[str, ListingData] = {}
        for card in _CARDS(document):
            listing = _from_card(card, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        for item in _ITEMS(document):
            listing = _from_item(item, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
        if listings:
            return ParseResult(listings=list(listings.values()))
        if _NULL_SEARCH(document):
            return ParseResult(listings=[], no_results=True)
        raise_if_blocked(body)
        if _RESULTS_CONTAINER(document):
            raise ParseError("an eBay result list with no s-item or s-card row this agent can read (markup changed?)")
        raise ParseError("not an eBay search result page (no result list found)")


def _item_url(href: str, ctx: ParseContext) -> str:
    # Every query parameter on an eBay item link is tracking or search context.
    return canonical_url(href.split("?", 1)[0], ctx.url)


def _item_id(href: str) -> str | None:
    match = _ITEM_ID.search(href or "")
    return match.group(1) if match else None


def _title(element: lxml.html.HtmlElement | None) -> str:
    if element is None:
        return ""
    noise = {id(node) for node in _TITLE_NOISE(element)}
    if not noise:
        return clean_title(element.text_content())
    parts: list[str] = []
    _collect_text(element, noise, parts)
    return clean_title(" ".join(parts))


def _collect_text(element: lxml.html.HtmlElement, skip: set[int], parts: list[str]) -> None:
    if id(element) in skip:
        if element.tail:
            parts.append(element.tail)
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        _collect_text(child, skip, parts)
    if element.tail and element is not None:
        parts.append(element.tail)


def _image(element: lxml.html.HtmlElement | None, ctx: ParseContext) -> str:
    if element is None:
        return ""
    src = element.get("src") or element.get("data-src") or element.get("data-defer-load") or ""
    if not src or src.startswith("data:") or "s_1x2.gif" in src:
        return ""
    return canonical_url(src, ctx.url)


def _shipping(text: str, ctx: ParseContext) -> Any:
    if not text:
        return None
    if "free" in text.lower():
        return parse_price("free", default_currency=ctx.default_currency).amount
    return parse_price(text, default_currency=ctx.default_currency).amount


_ITEM_FIELDS = {
    "s-item__title": "title",
    "s-item__price": "price",
    "s-item__subtitle": "subtitle",
    "s-item__location": "location",
    "s-item__shipping": "shipping",
    "s-item__image-img": "image",
    "s-item__seller-info-text": "seller",
}


def _from_item(item: lxml.html.HtmlElement, ctx: ParseContext) -> ListingData | None:
    # One pass over the row, first element of each class wins (see _from_card for why).
    href = ""
    found: dict[str, lxml.html.HtmlElement] = {}
    for element in item.iter("a", "div", "span", "h3", "img"):
        css = element.get("class")
        if not css:
            continue
        classes = css.split()
        if element.tag == "a" and not href and "s-item__link" in classes:
            href = element.get("href", "")
            continue
        for css_class in classes:
            field = _ITEM_FIELDS.get(css_class)
            if field is not None and field not in found:
                found[field] = element
    external_id = _item_id(href)
    if external_id is None or external_id in _PLACEHOLDER_IDS:
        return None
    title = _title(found.get("title"))
    if not title or title.lower().startswith("shop on ebay"):
        return None
    price_text = text_of(found.get("price"))
    money = parse_price(price_text, default_currency=ctx.default_currency)
    return ListingData(
        external_id=external_id,
        url=_item_url(href, ctx),
        title=title,
        price=money.amount,
        currency=money.currency,
        condition=normalize_condition(text_of(found.get("subtitle"))),
        location=_strip_from(text_of(found.get("location"))),
        image_url=_image(found.get("image"), ctx),
        seller=text_of(found.get("seller")).split(" (")[0],
        shipping=_shipping(text_of(found.get("shipping")), ctx),
        raw={"markup": "s-item", "price_text": price_text, "price_high": _str(money.high)},
    )


def _from_card(card: lxml.html.HtmlElement, ctx: ParseContext) -> ListingData | None:
    external_id = card.get("data-listingid", "").strip()
    if not external_id.isdigit() or external_id in _PLACEHOLDER_IDS:
        return None
    # One pass over the card's elements, dispatching on class: a handful of XPath
    # queries per card cost several times more than the whole page's parse.
    href = ""
    title_element = subtitle_element = image_element = None
    prices: list[lxml.html.HtmlElement] = []
    primary_rows: list[lxml.html.HtmlElement] = []
    secondary_rows: list[lxml.html.HtmlElement] = []
    for element in card.iter("a", "div", "span", "img"):
        if element.tag == "a" and not href and "/itm/" in element.get("href", ""):
            href = element.get("href", "")
        css = element.get("class")
        if not css:
            continue
        classes = css.split()
        if "s-card__title" in classes:
            title_element = title_element if title_element is not None else element
        elif "s-card__price" in classes:
            prices.append(element)
        elif "s-card__subtitle" in classes:
            subtitle_element = subtitle_element if subtitle_element is not None else element
        elif "s-card__image" in classes and element.tag == "img":
            image_element = image_element if image_element is not None else element
        elif "s-card__attribute-row" in classes:
            parent = element.getparent()
            in_secondary = parent is not None and "attributes__secondary" in (parent.get("class") or "")
            (secondary_rows if in_secondary else primary_rows).append(element)
    title = _title(title_element)
    if not href or not title or title.lower().startswith("shop on ebay"):
        return None
    price_text = " ".join(text_of(node) for node in prices)
    money = parse_price(price_text, default_currency=ctx.default_currency)
    location = shipping_text = ""
    for row in primary_rows:
        text = text_of(row)
        lowered = text.lower()
        if not shipping_text and any(word in lowered for word in _SHIPPING_WORDS):
            shipping_text = text
        elif not location and (lowered.startswith("from ") or lowered.startswith("located in ")):
            location = _strip_from(text)
    seller = ""
    for span in (span for row in secondary_rows for span in row.iter("span")):
        text = text_of(span)
        if text and not _FEEDBACK.match(text):
            seller = text
            break
    return ListingData(
        external_id=external_id,
        url=_item_url(href, ctx),
        title=title,
        price=money.amount,
        currency=money.currency,
        condition=normalize_condition(text_of(subtitle_element)),
        location=location,
        image_url=_image(image_element, ctx),
        seller=seller,
        shipping=_shipping(shipping_text, ctx),
        raw={"markup": "s-card", "price_text": price_text, "price_high": _str(money.high)},
    )


def _strip_from(text: str) -> str:
    for prefix in ("from ", "located in "):
        if text.lower().startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _str(value: object) -> str | None:
    return None if value is None else str(value)
