"""Helpers the HTML agents share: decoding a page, spotting bot walls, reading text.

lxml is the hot path everywhere (a 1.6 MB eBay page parses in ~20 ms); nothing here
uses BeautifulSoup.
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Any

import lxml.etree
import lxml.html

from listings.agents.base import BlockedPage, ParseError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.I)
_WS = re.compile(r"\s+")

# Titles and phrases of the challenge pages that bot walls answer with instead of results.
_CHALLENGE_MARKERS = (
    b"Pardon Our Interruption",
    b"<title>Just a moment...</title>",
    b"Attention Required! | Cloudflare",
    b"cf-challenge",
    b"px-captcha",
    b"/captcha/",
    b"g-recaptcha",
    b"h-captcha",
    b"<title>Access Denied</title>",
    b"<title>Security Measure</title>",
    b"splashui/challenge",
    b"Please verify you are a human",
)


def sniff_encoding(body: bytes, declared: str = "") -> str:
    """The page's encoding: the HTTP header's, a BOM, a <meta> in the first 4 KB, else UTF-8."""
    for candidate in (declared, _bom(body), _meta(body)):
        if candidate:
            try:
                return codecs.lookup(candidate).name
            except LookupError:
                continue
    return "utf-8"


def _bom(body: bytes) -> str:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return ""


def _meta(body: bytes) -> str:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else ""


def raise_if_blocked(body: bytes) -> None:
    """A bot challenge is ``blocked``, never "zero results" (call it when a page gave nothing)."""
    head = body[:65536]
    for marker in _CHALLENGE_MARKERS:
        if marker in head:
            raise BlockedPage(f"the site answered with a bot challenge ({marker.decode(errors='replace')!r})")


_local = threading.local()


def _parser(encoding: str) -> lxml.html.HTMLParser:
    """One parser per encoding and thread: building one costs more than parsing a small page."""
    parsers = _local.__dict__.setdefault("parsers", {})
    if encoding not in parsers:
        parsers[encoding] = lxml.html.HTMLParser(encoding=encoding)
    return parsers[encoding]


def parse_html(body: bytes, *, encoding: str = "") -> lxml.html.HtmlElement:
    """An lxml document, or ParseError for an empty or unreadable body.

    It does not look for bot walls: agents call ``raise_if_blocked`` once the page gave
    them nothing, because real result pages also load captcha scripts.
    """
    if not body or not body.strip():
        raise ParseError("empty page")
    parser = _parser(sniff_encoding(body, encoding))
    try:
        document = lxml.html.document_fromstring(body, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"not an HTML page: {exc}") from exc
    if document is None:
        raise ParseError("not an HTML page")
    return document


def text_of(element: lxml.html.HtmlElement | None) -> str:
    """The element's text with whitespace folded ('' for None)."""
    if element is None:
        return ""
    return _WS.sub(" ", element.text_content()).strip()


def first(elements: list[Any]) -> lxml.html.HtmlElement | None:
    return elements[0] if elements else None


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<!--", b"<head", b"<body"))
