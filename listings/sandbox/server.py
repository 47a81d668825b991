"""The sandbox shop as a tiny WSGI application and a threaded HTTP server."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote_plus
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from listings.sandbox import catalogue

StartResponse = Callable[..., Any]


class SandboxApp:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, speed: float = 1.0) -> None:
        self._clock = clock
        self._opened = clock()
        self.speed = speed

    def elapsed(self) -> float:
        return (self._clock() - self._opened) * self.speed

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        params = parse_qs(environ.get("QUERY_STRING", ""))
        base = f"http://{environ.get('HTTP_HOST', 'localhost')}"
        elapsed = self.elapsed()
        if path in ("/", "/search"):
            query = params.get("q", [""])[0]
            page = _search_page(base, query, catalogue.search(elapsed, query))
            return self._respond(start_response, "200 OK", "text/html; charset=utf-8", page)
        if path.startswith("/item/"):
            item = catalogue.find(elapsed, path.removeprefix("/item/"))
            if item is None:
                return self._respond(start_response, "404 Not Found", "text/plain", "no such item")
            return self._respond(start_response, "200 OK", "text/html; charset=utf-8", _item_page(base, item))
        if path == "/feed.xml":
            query = params.get("q", [""])[0]
            return self._respond(start_response, "200 OK", "application/rss+xml", _feed(base, query, catalogue.search(elapsed, query)))
        if path.startswith("/static/") and path.endswith(".jpg"):
            # The listings' photos: a drawn card per item (an SVG, whatever the name says), so
            # the web app's pages show a picture instead of a broken image.
            item = catalogue.find(elapsed, path.removeprefix("/static/").removesuffix(".jpg"))
            if item is None:
                return self._respond(start_response, "404 Not Found", "text/plain", "no such item")
            return self._respond(start_response, "200 OK", "image/svg+xml", _photo(item))
        if path == "/robots.txt":
            return self._respond(start_response, "200 OK", "text/plain", "User-agent: *\nAllow: /\n")
        return self._respond(start_response, "404 Not Found", "text/plain", "not found")

    @staticmethod
    def _respond(start_response: StartResponse, status: str, content_type: str, body: str) -> list[bytes]:
        data = body.encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]


def _product(base: str, item: catalogue.Item) -> dict[str, Any]:
    return {
        "@type": "Product",
        "sku": item.sku,
        "name": item.title,
        "url": f"{base}/item/{item.sku}",
        "image": f"{base}/static/{item.sku}.jpg",
        "offers": {
            "@type": "Offer",
            "price": str(item.price),
            "priceCurrency": item.currency,
            "itemCondition": item.condition,
            "url": f"{base}/item/{item.sku}?utm_source=sandbox",
            "availableAtOrFrom": {"@type": "Place", "name": item.city},
            "seller": {"@type": "Person", "name": "sandbox-seller"},
        },
    }


_PHOTO_COLOURS = ["#2f6f9f", "#8a4f9e", "#3f7f4f", "#9f5f2f", "#5f5f8f", "#7f3f4f"]


def _photo(item: catalogue.Item) -> str:
    colour = _PHOTO_COLOURS[int(item.sku.rsplit("-", 1)[-1]) % len(_PHOTO_COLOURS)]
    words = item.title.split()
    lines = [" ".join(words[i : i + 3]) for i in range(0, min(len(words), 9), 3)]
    text = "".join(f'<text x="120" y="{95 + 26 * n}" text-anchor="middle">{escape(line)}</text>' for n, line in enumerate(lines))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" width="240" height="240">'
        f'<rect width="240" height="240" fill="{colour}"/><circle cx="120" cy="52" r="24" fill="#ffffff" fill-opacity="0.35"/>'
        f'<g fill="#ffffff" font-family="sans-serif" font-size="18">{text}</g></svg>'
    )


def _search_page(base: str, query: str, items: list[catalogue.Item]) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "numberOfItems": len(items),
        "itemListElement": [
            {"@type": "ListItem", "position": position, "item": _product(base, item)} for position, item in enumerate(items, start=1)
        ],
    }
    rows = "\n".join(
        f'<li><a href="/item/{item.sku}">{escape(item.title)}</a> <b>${item.price}</b> ({escape(item.city)})</li>' for item in items
    )
    return (
        f"<!doctype html><html><head><title>Sandbox Market: {escape(query)}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><h1>{len(items)} results for {escape(query)}</h1><ul>{rows}</ul>"
        f'<a href="/feed.xml?q={quote_plus(query)}">RSS</a></body></html>'
    )


def _item_page(base: str, item: catalogue.Item) -> str:
    data = {"@context": "https://schema.org", **_product(base, item)}
    return (
        f"<!doctype html><html><head><title>{escape(item.title)}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><h1>{escape(item.title)}</h1><p>${item.price}</p></body></html>"
    )


def _feed(base: str, query: str, items: list[catalogue.Item]) -> str:
    entries = "".join(
        f"<item><title>{escape(item.title)} - ${item.price}</title><link>{base}/item/{item.sku}</link>"
        f"<guid>{item.sku}</guid><description>{escape(item.city)}</description></item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Sandbox Market: {escape(query)}</title><link>{base}/</link>"
        f"<description>Latest listings</description><lastBuildDate>{formatdate(usegmt=True)}</lastBuildDate>"
        f"{entries}</channel></rss>"
    )


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def serve(app: SandboxApp, *, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """Start the shop on a background thread; ``server.server_port`` tells the port."""
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="sandbox-marketplace", daemon=True).start()
    return server
