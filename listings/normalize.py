"""Normalization shared by every agent: prices, currencies, conditions, dates, titles, URLs.

Prices are read with ``price-parser`` (it knows thousands and decimal separators in
both the English and the continental styles, and where the currency sign sits); this
module adds what it leaves to us: which ISO 4217 code a sign means on this page,
"Free", ranges, and Decimal rounding. Money is never a float here.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from price_parser import Price

_WS = re.compile(r"\s+")
_TRACKING_PARAMS = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_[ce]id|igshid|mkevt|mkcid|mkrid|campid|toolid|customid|_trksid|_trkparms|_skw|"
    r"hash|itmmeta|itmprp|amdata|epid|ref|ref_.*|trk.*|_from|_sacat|lh_bin|spm|sr|qid|search_reason|reason|xtor)$",
    re.I,
)
_CENT = Decimal("0.01")

# Signs that name one currency whatever the page. "$", "kr" and "¥" are ambiguous: they
# mean the page's or the marketplace's currency when that one uses the sign.
_SIGN_CURRENCY = {
    "£": "GBP",
    "€": "EUR",
    "eur": "EUR",
    "us$": "USD",
    "us $": "USD",
    "usd": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "nz$": "NZD",
    "r$": "BRL",
    "₹": "INR",
    "₩": "KRW",
    "zł": "PLN",
    "zl": "PLN",
    "chf": "CHF",
    "fr.": "CHF",
    "₽": "RUB",
    "₺": "TRY",
    "kč": "CZK",
    "ft": "HUF",
    "s/.": "PEN",
    "s/": "PEN",
    "rm": "MYR",
    "₱": "PHP",
    "hk$": "HKD",
    "s$": "SGD",
    "sg$": "SGD",
    "nt$": "TWD",
    "mx$": "MXN",
    "rp": "IDR",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "₴": "UAH",
    "грн": "UAH",
    "грн.": "UAH",
    "сум": "UZS",
    "so'm": "UZS",
    "soʻm": "UZS",
    # "у.е." (conventional units) is how Uzbek and Russian sites write US dollars.
    "у.е.": "USD",
    "у. е.": "USD",
    "руб": "RUB",
    "руб.": "RUB",
    "₸": "KZT",
    "тг": "KZT",
    "лв": "BGN",
    "лв.": "BGN",
    "lei": "RON",
    "₦": "NGN",
}
# Sign words price-parser does not report: looked for in the text when it found none.
_SUFFIX_SIGNS = re.compile(r"(грн\.?|сум|so[ʻ']m|у\.\s?е\.|руб\.?|тг|лв\.?|lei|zł|kč|₴|₸|₪|฿|₫|₦|₱)", re.I)
# "AU $12.50", "C $12.50", "US $45.00": eBay's prefixes, which price-parser drops with the space.
_DOLLAR_PREFIX = re.compile(r"^(?P<prefix>AU|A|C|CA|US|NZ|HK|S|SG|NT|MX)\s?\$", re.I)
_NEGATIVE = re.compile(r"^[^\d\-−]{0,6}[\-−]\s*\d|^[\-−]")
_EXPONENT = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")
_AMBIGUOUS = {
    "$": ("USD", {"USD", "CAD", "AUD", "NZD", "MXN", "SGD", "HKD"}),
    "kr": ("SEK", {"SEK", "NOK", "DKK", "ISK"}),
    "kr.": ("DKK", {"SEK", "NOK", "DKK", "ISK"}),
    "¥": ("JPY", {"JPY", "CNY"}),
    "円": ("JPY", {"JPY"}),
}
_ISO = re.compile(r"^[A-Z]{3}$")
_RANGE = re.compile(r"\s(?:to|-|–|bis|à)\s", re.I)
_SIMPLE_PRICE = re.compile(r"^(?P<sign>[$£€])\s?(?P<number>\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)$")
_FREE = re.compile(r"^\s*(free|gratis|gratuit|kostenlos|umsonst|0)\s*[!.]?\s*$", re.I)


@dataclass(frozen=True)
class Money:
    """A price as read from a page. ``amount`` None means the page gave no price."""

    amount: Decimal | None
    currency: str
    # The upper end of "$10 to $20": listings priced by variant ("from £4.49").
    high: Decimal | None = None


def as_dict(value: object) -> dict[str, Any]:
    """A JSON object as a dict; anything else (missing, null, a list) as an empty one."""
    return value if isinstance(value, dict) else {}


def clean_title(value: str) -> str:
    """Decode entities and fold whitespace."""
    return _WS.sub(" ", html.unescape(value or "")).strip()


def to_decimal(value: object) -> Decimal | None:
    """A Decimal (2 places) from a number or a plain numeric string, else None.

    The sign is kept and nothing is clamped: a negative or absurd price ("-5", 1e20)
    comes back as it is, so that ``listings.validation`` refuses the listing instead of
    a parser turning it into something plausible. NaN and infinities are no number.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # the shortest text that round-trips, never the binary expansion
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    try:
        return number.quantize(_CENT)
    except InvalidOperation:  # more digits than the context holds (1e30): keep it whole, validation refuses it
        return number


def currency_code(sign: str | None, *, default: str) -> str:
    """The ISO 4217 code a currency sign means, given the page's or marketplace's currency."""
    default = (default or "USD").upper()
    if not sign:
        return default
    key = sign.strip().lower()
    if _ISO.match(sign.strip()):
        return sign.strip()
    prefixed = _DOLLAR_PREFIX.match(sign.strip())
    if prefixed:
        key = prefixed["prefix"].lower() + "$"
        key = {"a$": "au$", "c$": "c$", "ca$": "c$", "us$": "us$", "s$": "s$", "sg$": "s$"}.get(key, key)
    if key in _SIGN_CURRENCY:
        return _SIGN_CURRENCY[key]
    if key.upper() in {"USD", "EUR", "GBP", "CAD", "AUD", "SEK", "NOK", "DKK", "JPY", "CHF", "PLN"}:
        return key.upper()
    fallback, family = _AMBIGUOUS.get(key, (default, {default}))
    return default if default in family else fallback


def parse_price(text: str | None, *, default_currency: str) -> Money:
    """Read a displayed price: ``$1,299.99``, ``1.234,56 €``, ``1 299 kr``, ``£45``, ``Free``, ``$10 to $20``.

    A range keeps its low end as the amount (what the cheapest variant costs) and its
    high end in ``high``. Anything without a number is ``amount=None``, never zero,
    except the words that mean free.
    """
    default = (default_currency or "USD").upper()
    text = clean_title(text or "").replace("\xa0", " ")
    if not text:
        return Money(None, default)
    if _FREE.match(text):
        return Money(Decimal("0.00"), default)
    simple = _SIMPLE_PRICE.match(text)
    if simple:  # "£68.90", "$1,299.99": most prices on a results page, read without price-parser
        amount = to_decimal(simple["number"].replace(",", ""))
        return Money(amount, currency_code(simple["sign"], default=default))
    parts = _RANGE.split(text, maxsplit=1)
    low = Price.fromstring(parts[0])
    high = Price.fromstring(parts[1]) if len(parts) > 1 else None
    currency = currency_code(_sign_of(parts[0], low.currency) or (high.currency if high else None), default=default)
    amount = _amount_of(parts[0], low.amount)
    high_amount = to_decimal(high.amount) if high else None
    return Money(amount, currency, high_amount)


def _sign_of(text: str, found: str | None) -> str | None:
    prefixed = _DOLLAR_PREFIX.match(text.strip())
    if prefixed:
        return prefixed.group(0)
    if found:
        return found
    match = _SUFFIX_SIGNS.search(text)
    return match.group(1) if match else None


def _amount_of(text: str, found: object) -> Decimal | None:
    """price-parser's amount, except where it misreads: "1e20" (it reads 1) and "-5" (it reads 5)."""
    exponent = _EXPONENT.search(text)
    if exponent:
        return to_decimal(exponent.group(0))
    amount = to_decimal(found)
    if amount is not None and _NEGATIVE.search(text.strip()):
        return -abs(amount)
    return amount


_CONDITIONS = {
    "new": "new",
    "newcondition": "new",
    "brand new": "new",
    "new with tags": "new",
    "new with box": "new",
    "new without tags": "new",
    "new other (see details)": "new",
    "new other": "new",
    "new_item": "new",
    "sealed": "new",
    "used": "used",
    "usedcondition": "used",
    "pre-owned": "used",
    "preowned": "used",
    "used_like_new": "used",
    "used_good": "used",
    "used_fair": "used",
    "used - like new": "used",
    "used - good": "used",
    "used - fair": "used",
    "like new": "used",
    "excellent": "used",
    "good": "used",
    "fair": "used",
    "very good": "used",
    "acceptable": "used",
    "refurbished": "refurbished",
    "refurbishedcondition": "refurbished",
    "certified - refurbished": "refurbished",
    "certified refurbished": "refurbished",
    "seller refurbished": "refurbished",
    "excellent - refurbished": "refurbished",
    "very good - refurbished": "refurbished",
    "good - refurbished": "refurbished",
    "damaged": "for_parts",
    "damagedcondition": "for_parts",
    "for parts": "for_parts",
    "for parts or not working": "for_parts",
    "salvage": "for_parts",
    # eBay's wording on its other sites (and for visitors who read another language).
    "totalmente nuevo": "new",
    "nuevo": "new",
    "nuevo (otro)": "new",
    "de segunda mano": "used",
    "usado": "used",
    "reacondicionado": "refurbished",
    "neu": "new",
    "brandneu": "new",
    "neu: sonstige (siehe artikelbeschreibung)": "new",
    "gebraucht": "used",
    "generalüberholt": "refurbished",
    "neuf": "new",
    "occasion": "used",
    "d'occasion": "used",
    "reconditionné": "refurbished",
    "nuovo": "new",
    "usato": "used",
    "ricondizionato": "refurbished",
    "nieuw": "new",
    "gebruikt": "used",
    "nowy": "new",
    "używany": "used",
    "新品": "new",
    "真新しい新品": "new",
    "新品 (その他)": "new",
    "中古品": "used",
    "中古": "used",
    "再生品": "refurbished",
    "ジャンク品": "for_parts",
}
# eBay's numeric condition ids: https://developer.ebay.com/api-docs/sell/static/metadata/condition-id-values.html
_EBAY_CONDITION_IDS = {
    "1000": "new",
    "1500": "new",
    "1750": "new",
    "2000": "refurbished",
    "2010": "refurbished",
    "2020": "refurbished",
    "2030": "refurbished",
    "2500": "refurbished",
    "2750": "used",
    "3000": "used",
    "4000": "used",
    "5000": "used",
    "6000": "used",
    "7000": "for_parts",
}


def normalize_condition(value: str | None) -> str:
    """Map schema.org URLs, eBay ids and marketplace wording to new/used/refurbished/for_parts/unknown."""
    if not value:
        return "unknown"
    text = str(value).strip()
    if text in _EBAY_CONDITION_IDS:
        return _EBAY_CONDITION_IDS[text]
    # "Pre-owned · Nikon": eBay puts the brand after the condition.
    text = text.split(" · ", 1)[0].split("·", 1)[0]
    key = _WS.sub(" ", text.rsplit("/", 1)[-1]).strip().lower()
    if key in _CONDITIONS:
        return _CONDITIONS[key]
    for prefix, condition in (("refurbished", "refurbished"), ("new", "new"), ("used", "used"), ("pre-owned", "used")):
        if key.startswith(prefix):
            return condition
    if "refurbished" in key:
        return "refurbished"
    if "for parts" in key or "not working" in key:
        return "for_parts"
    return "unknown"


_RELATIVE = re.compile(
    r"^(?:listed\s+|posted\s+)?(?P<n>\d+|an?|one)\s*(?P<unit>s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|mo|months?|y|years?)\s+ago$",
    re.I,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400, "y": 365 * 86400}


def parse_relative_date(text: str | None, *, now: datetime) -> datetime | None:
    """ "2 hours ago", "a day ago", "just now", "yesterday", "today" -> an aware datetime (UTC).

    Relative to ``now``, which the caller passes (a parser stays a pure function).
    Anything else is None: a wrong date is worse than none.
    """
    if not text:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    phrase = clean_title(text).lower()
    if phrase in {"just now", "now", "today", "moments ago", "a moment ago"}:
        return now.astimezone(UTC)
    if phrase == "yesterday":
        return (now - timedelta(days=1)).astimezone(UTC)
    match = _RELATIVE.match(phrase)
    if not match:
        return None
    count = 1 if match["n"] in {"a", "an", "one"} else int(match["n"])
    unit = match["unit"].lower()
    key = "mo" if unit.startswith("mo") else unit[0]
    return (now - timedelta(seconds=count * _UNIT_SECONDS[key])).astimezone(UTC)


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from epoch seconds or ISO 8601 text; None when unreadable."""
    if value in (None, "") or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a local time without a zone: we cannot know which instant it was
    return parsed.astimezone(UTC)


def canonical_url(url: str, base: str = "") -> str:
    """An absolute URL without tracking parameters or fragment, so one listing has one URL."""
    url = url.strip()
    if "?" not in url and "#" not in url and url.startswith(("http://", "https://")):
        # Fast path (most listing links on a results page): nothing to strip or resolve.
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme.lower()}://{host.lower()}{slash}{path}"
    absolute = urljoin(base, url) if base else url
    parts = urlsplit(absolute)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, urlencode(query), ""))


_WORD = re.compile(r"\w+", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")


def dedupe_key(*, title: str, price: Decimal | None, currency: str) -> str:
    """A key shared by the copies of one item cross-posted on several marketplaces.

    The title's distinct words (case folded, order ignored, punctuation dropped), the
    price and the currency. Seller and location are left out on purpose: each site
    spells them differently. Without a price there is no key, because a title alone
    ("iPhone 12 64GB") is shared by too many different items.
    """
    if price is None or not title:
        return ""
    folded = _THOUSANDS.sub("", title.casefold())  # "1,100" and "1100" are one word
    words = " ".join(sorted(set(_WORD.findall(folded))))
    payload = f"{words}|{price.quantize(_CENT)}|{currency.upper()}"
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()
