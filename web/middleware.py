"""A strict Content-Security-Policy for the web app's pages, and only for them.

Only our own scripts and styles run (htmx is served from our static files; charts are
server-side SVG, so no inline script or style is needed anywhere). Listing photos come
from the marketplaces, so images may come from any http(s) origin. The admin and the
Swagger UI page (which need inline scripts) are other namespaces and keep their headers.
https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: http: data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
WEB_NAMESPACE = "web"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and WEB_NAMESPACE in match.namespaces:
            response.setdefault("Content-Security-Policy", POLICY)
            response.setdefault("Referrer-Policy", "same-origin")
        return response
