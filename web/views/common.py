"""What every page of the web app shares: the navigation's unread count, htmx partials."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from alerts import selectors as alert_selectors

PAGE_SIZE = 24


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (the views behind login_required), as django-stubs advise."""

    user: User
    htmx: HtmxDetails


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HttpResponse:
    """Render a full page, with what the navigation shows."""
    context = dict(context or {})
    if request.user.is_authenticated:
        context.setdefault("unread_alerts", alert_selectors.alerts_unread_count(user=request.user))
    return render(request, template, context, status=status)


def is_htmx(request: HttpRequest) -> bool:  # any request: HtmxMiddleware sets request.htmx
    return bool(getattr(request, "htmx", False))
