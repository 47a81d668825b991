"""What every page of the web app shares: the navigation's unread count, htmx partials."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import user_of
from alerts import selectors as alert_selectors

PAGE_SIZE = 24


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
    """Render a full page, with what the navigation shows."""
    context = dict(context or {})
    if request.user.is_authenticated:
        context.setdefault("unread_alerts", alert_selectors.alerts_unread_count(user=user_of(request)))
    return render(request, template, context, status=status)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def htmx_target(request: HttpRequest) -> str | None:
    """The id of the element an htmx request will swap (django-htmx's request.htmx.target), or None."""
    details = getattr(request, "htmx", None)
    return details.target if details else None
