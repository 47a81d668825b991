"""Agent for eBay search result pages (``/sch/i.html``), in both markups eBay serves.

- The older markup: ``li.s-item`` rows in ``ul.srp-results``; the item id is only in
  the ``/itm/`` link; a "New listing" badge sits inside the title.
- The newer markup (2024 on): ``li.s-card[data-listingid]``; shipping, location and
  seller appear only as unclassed attribute rows, recognised here by their wording
  (in the languages eBay's sites speak).

Which rows are results: those inside the result list (``ul.srp-results``,
``srp-river-results``) and outside any answer region (``s-answer-region``), left-rail
merchandising block (``srp-merch__items-list``: "Recently viewed items") or carousel.
Pages without a result list fall back to every row outside those blocks. Rows with no
``/itm/`` link or the placeholder id 123456 ("Shop on eBay") are skipped.

Titles: the heading element's text minus the screen-reader and badge spans inside it
(``clipped``: "Opens in a new window or tab" in the page's language; ``LIGHT_HIGHLIGHT``:
"New listing"), then minus those phrases wherever a variant left them unclassed. The
image's ``alt`` is the fall-back. URLs: ``/itm/<slug>/<id>`` and ``/itm/<id>?<tracking>``
both become ``https://<host>/itm/<id>``, so one item has one URL. Prices: the first
attribute row holding a price (a current bid comes before a Buy It Now price); a range
("£4.49 to £8.49") is stored as its lower bound, what the cheapest variant costs, with
the upper bound in ``raw.price_high``; struck-through "was" prices are ignored. The
currency is the one the page shows (``S/.`` on a page shown to a Peruvian visitor is
PEN, ``円`` JPY, ``AU $`` AUD, ``C $`` CAD), else the marketplace's.

lxml with compiled XPath on the hot path; no BeautifulSoup, since eBay's markup is well
formed enough for lxml's own recovery.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import XPath

from listings.agents import register
from listings.agents._html import parse_html, raise_if_blocked, text_of
from listings.agents.base import Agent, FetchRequest, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery
from listings.normalize import clean_title, normalize_condition, parse_price


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


KM_PER_MILE = 1.609344
_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d{9,15})(?:[/?#]|$)")
_PLACEHOLDER_IDS = {"123456"}
_CONDITION_PARAM = {"new": "1000", "used": "3000", "refurbished": "2500", "for_parts": "7000"}

_RESULTS_CONTAINER = XPath(
    "//ul[contains(@class, 'srp-results')] | //div[contains(@class, 'srp-river-results')] | //*[@id='srp-river-results']"
)
_NULL_SEARCH = XPath(f"//*[{_cls('srp-save-null-search')}] | //*[{_cls('srp-save-null-search__heading')}]")

# Blocks that hold item rows which are not results of this search: the left-rail
# merchandising ("Recently viewed items"), answer regions and carousels.
_NOT_RESULTS = ("srp-merch", "s-answer-region", "carousel", "srp-river-answer")
# Candidate rows come from one compiled query with cheap predicates (lxml walks the
# tree in C; a Python walk over every element costs more than the page's parse); the
# class tokens and the blocks around each of the ~60 candidates are checked in Python.
_ROWS = XPath(".//li[@data-listingid] | .//div[@data-listingid] | .//li[contains(@class, 's-item')]")

# Spans inside a title that are a badge or a screen-reader hint, not the title.
_TITLE_NOISE_CLASSES = frozenset(
    {"clipped", "LIGHT_HIGHLIGHT", "s-item__title--tagblock", "s-item__title--tag", "visuallyhidden", "s-card__new-listing"}
)
# The same phrases when a variant leaves them unclassed: the hint eBay appends to links,
# and the "New listing" badge, in the languages of eBay's sites.
_SCREEN_READER = re.compile(
    r"\s*(?:Opens in a new window or tab|Opens in a new window|Se abre en una (?:ventana|pestaña) nueva(?: o pestaña)?|"
    r"Se abre en una nueva ventana o pestaña|Wird in neuem Fenster oder Tab geöffnet|Wird in einem neuen Fenster geöffnet|"
    r"S'ouvre dans une nouvelle fenêtre ou un nouvel onglet|S’ouvre dans une nouvelle fenêtre ou un nouvel onglet|"
    r"Si apre in una nuova finestra o scheda|Wordt geopend in een nieuw venster of tabblad|"
    r"Otwiera się w nowym oknie lub karcie|Abre numa nova janela ou separador|Abre em uma nova janela ou guia|"
    r"新しいウィンドウまたはタブに表示されます)\.?\s*$",
    re.I,
)
_NEW_LISTING = re.compile(
    r"^\s*(?:New listing|Neues Angebot|Nouvelle annonce|Nuova inserzione|Nuevo anuncio|Nueva publicación|"
    r"Nieuwe aanbieding|Nowa oferta|Novo anúncio|新規出品)\s*[:\-–]?\s*",
    re.I,
)
_PLACEHOLDER_TITLES = ("shop on ebay", "results matching fewer words")

_SHIPPING_WORDS = (
    "postage", "shipping", "delivery", "envío", "envio", "versand", "livraison", "spedizione", "verzending",
    "wysyłka", "frete", "送料", "배송",
)  # fmt: skip
_FREE_WORDS = ("free", "gratis", "gratuit", "kostenlos", "gratuita", "gratuito", "無料", "darmowa", "gratuite")
_LOCATION_PREFIXES = ("from ", "located in ", "desde ", "de ", "aus ", "da ", "depuis ", "uit ", "z ", "発送元: ", "発送元:", "発送元 ")
_SELLER_FEEDBACK = re.compile(r"(\S+)\s+\d{1,3}(?:[.,]\d+)?\s?%")


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
        containers = _RESULTS_CONTAINER(document)
        listings = _read_rows(containers, ctx) if containers else {}
        if not listings:
            listings = _read_rows([document], ctx)
        if listings:
            return ParseResult(listings=list(listings.values()))
        if _NULL_SEARCH(document):
            return ParseResult(listings=[], no_results=True)
        raise_if_blocked(body)
        if containers:
            raise ParseError("an eBay result list with no s-item or s-card row this agent can read (markup changed?)")
        raise ParseError("not an eBay search result page (no result list found)")


def _read_rows(roots: list[lxml.html.HtmlElement], ctx: ParseContext) -> dict[str, ListingData]:
    """The result rows under ``roots``, outside the blocks that are not results; first of each id wins."""
    listings: dict[str, ListingData] = {}
    for root in roots:
        for row in _ROWS(root):
            classes = (row.get("class") or "").split()
            reader: Callable[[lxml.html.HtmlElement, ParseContext], ListingData | None]
            if "s-card" in classes and row.get("data-listingid") is not None:
                reader = _from_card
            elif "s-item" in classes and row.tag == "li":
                reader = _from_item
            else:
                continue
            if _inside_non_results(row, root):
                continue
            listing = reader(row, ctx)
            if listing is not None:
                listings.setdefault(listing.external_id, listing)
    return listings


def _inside_non_results(row: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> bool:
    for ancestor in row.iterancestors():
        if ancestor is root:  # identity of two live proxies of one node: lxml returns the same object
            return False
        css = ancestor.get("class")
        if css and any(marker in css for marker in _NOT_RESULTS):
            return True
    return False


def _item_url(href: str, external_id: str, ctx: ParseContext) -> str:
    """``https://<host>/itm/<id>``: the slug and every query parameter of an item link dropped."""
    if href.startswith(("https://", "http://")):  # nearly every item link: no URL parsing needed
        host = href.split("/", 3)[2].split("@")[-1].split(":")[0].lower()
    else:
        absolute = urljoin(ctx.url, href) if ctx.url else href
        host = (urlsplit(absolute).hostname or "").lower()
    if not host:
        host = (urlsplit(ctx.url).hostname or "www.ebay.com").lower()
    return f"https://{host}/itm/{external_id}"


def _item_id(href: str) -> str | None:
    match = _ITEM_ID.search(href or "")
    return match.group(1) if match else None


def _title(element: lxml.html.HtmlElement | None) -> str:
    """The heading's own words: badge and screen-reader spans left out, by class then by wording."""
    if element is None:
        return ""
    parts: list[str] = []
    _collect_text(element, parts)
    title = clean_title(" ".join(parts))
    title = _SCREEN_READER.sub("", title)
    return _NEW_LISTING.sub("", title).strip()


def _collect_text(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    # Decided by each element's own class, never by identity: lxml builds a new proxy
    # object for a node each time one is asked for, so id() of two proxies of one node
    # can differ, and a freed proxy's id can be given to another node.
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str):  # comments and processing instructions hold no title
            css = child.get("class")
            if not (css and _TITLE_NOISE_CLASSES.intersection(css.split())):
                _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _image(element: lxml.html.HtmlElement | None, ctx: ParseContext) -> str:
    if element is None:
        return ""
    src = element.get("src") or element.get("data-src") or element.get("data-defer-load") or ""
    if not src or src.startswith("data:") or "s_1x2.gif" in src or "ebaystatic.com/rs/" in src:
        return ""
    src = src.strip()
    if src.startswith(("https://", "http://")):
        return src
    return urljoin(ctx.url, src) if ctx.url else src


def _shipping(text: str, ctx: ParseContext) -> Any:
    if not text:
        return None
    lowered = text.lower()
    if any(word in lowered for word in _FREE_WORDS):
        return parse_price("free", default_currency=ctx.default_currency).amount
    return parse_price(text.lstrip("+＋ "), default_currency=ctx.default_currency).amount


def _is_shipping(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _SHIPPING_WORDS)


def _struck(element: lxml.html.HtmlElement) -> bool:
    """A "was" price: struck through by class or by <s>/<del>."""
    node: lxml.html.HtmlElement | None = element
    for _ in range(3):
        if node is None:
            return False
        if node.tag in ("s", "del", "strike") or "strikethrough" in (node.get("class") or "").lower():
            return True
        node = node.getparent()
    return False


_ITEM_FIELDS = {
    "s-item__title": "title",
    "s-item__price": "price",
    "s-item__subtitle": "subtitle",
    "s-item__location": "location",
    "s-item__shipping": "shipping",
    "s-item__logisticsCost": "shipping",
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
            if field is not None and field not in found and not (field == "price" and _struck(element)):
                found[field] = element
    external_id = _item_id(href)
    if external_id is None or external_id in _PLACEHOLDER_IDS:
        return None
    title = _title(found.get("title")) or clean_title((found["image"].get("alt") or "") if "image" in found else "")
    if not title or title.lower().startswith(_PLACEHOLDER_TITLES):
        return None
    price_text = text_of(found.get("price"))
    money = parse_price(price_text, default_currency=ctx.default_currency)
    return ListingData(
        external_id=external_id,
        url=_item_url(href, external_id, ctx),
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
    price_rows: list[tuple[lxml.html.HtmlElement | None, lxml.html.HtmlElement]] = []
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
            if not _struck(element):
                price_rows.append((element.getparent(), element))
        elif "s-card__subtitle" in classes:
            subtitle_element = subtitle_element if subtitle_element is not None else element
        elif "s-card__image" in classes and element.tag == "img":
            image_element = image_element if image_element is not None else element
        elif "s-card__attribute-row" in classes:
            parent = element.getparent()
            in_secondary = parent is not None and "attributes__secondary" in (parent.get("class") or "")
            (secondary_rows if in_secondary else primary_rows).append(element)
    title = _title(title_element) or clean_title(image_element.get("alt") or "" if image_element is not None else "")
    if not title or title.lower().startswith(_PLACEHOLDER_TITLES):
        return None
    # The first row that holds a price: "$28.88 to $90.88" is three spans of one row; a
    # current bid and a Buy It Now price are two rows, and the bid is today's price.
    first_row = price_rows[0][0] if price_rows else None
    price_text = " ".join(text_of(node) for row, node in price_rows if row is first_row)
    money = parse_price(price_text, default_currency=ctx.default_currency)
    location = shipping_text = ""
    for row in primary_rows:
        if row is first_row:
            continue
        text = text_of(row)
        lowered = text.lower()
        if not shipping_text and _is_shipping(text):
            shipping_text = text
        elif not location and lowered.startswith(_LOCATION_PREFIXES):
            location = _strip_from(text)
    seller = ""
    for row in secondary_rows:
        # "avant-garde-cinema 100% positive (2.9K)", "music.shop.london 100% ポジティブ": the
        # seller's name is the word before its feedback score, in any language.
        match = _SELLER_FEEDBACK.search(text_of(row))
        if match:
            seller = match.group(1)
            break
    return ListingData(
        external_id=external_id,
        url=_item_url(href or f"/itm/{external_id}", external_id, ctx),
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
    lowered = text.lower()
    for prefix in _LOCATION_PREFIXES:
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _str(value: object) -> str | None:
    return None if value is None else str(value)
