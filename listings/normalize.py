"""Normalization shared by every agent: prices, currencies, conditions, titles, URLs."""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_WS = re.compile(r"\s+")
_TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mkevt|mkcid|mkrid|campid|toolid|customid|_trksid|hash|ref|trk.*)$", re.I)

_CONDITIONS = {
    "new": "new",
    "newcondition": "new",
    "brand new": "new",
    "used": "used",
    "usedcondition": "used",
    "pre-owned": "used",
    "refurbished": "refurbished",
    "refurbishedcondition": "refurbished",
    "damaged": "for_parts",
    "damagedcondition": "for_parts",
    "for parts": "for_parts",
    "for parts or not working": "for_parts",
}


def clean_title(value: str) -> str:
    """Decode entities and fold whitespace."""
    return _WS.sub(" ", html.unescape(value or "")).strip()


def to_decimal(value: object) -> Decimal | None:
    """A non-negative Decimal from a number or a plain numeric string, else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0:
        return None
    return number.quantize(Decimal("0.01"))


def normalize_condition(value: str | None) -> str:
    """Map schema.org URLs and marketplace wording to new/used/refurbished/for_parts/unknown."""
    if not value:
        return "unknown"
    key = value.rsplit("/", 1)[-1].strip().lower()
    return _CONDITIONS.get(key, "unknown")


def canonical_url(url: str, base: str = "") -> str:
    """An absolute URL without tracking parameters or fragment, so one listing has one URL."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
