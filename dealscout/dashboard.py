"""GET /api/v1/dashboard/: one person's overview in one request.

It lives in the project package because it reads every domain app (searches, alerts,
listings) and belongs to none of them.

The answer is kept per user in the shared cache for ``API_VIEW_CACHE_SECONDS`` (30 s with
Redis): people and front ends poll it. A change a person makes (a search saved, paused or
deleted, a listing saved or dismissed, an alert read) drops the entry at once
(dealscout.cache_signals, core.usercache), and so does a scout that wrote new matches or
alerts for them; the counts of the last 24 hours and the scrape health may otherwise be
up to that many seconds old.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import orjson
from django.core.cache import caches
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from alerts.models import Alert
from core import usercache
from core.jsonbody import api_json
from listings.scrape_health import scrape_health_cached
from searches.api import LISTING_EXAMPLE, MatchedListingSerializer, listing_row
from searches.models import Search
from searches.selectors import match_list_for_user, match_rows_for_user

BEST_DEALS = 5
CACHE_FIELD = "dashboard"  # its field in the per-user cache (core.usercache)


class ScrapeHealthSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    healthy = serializers.BooleanField()
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_status = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    failures_last_hour = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    active_searches = serializers.IntegerField()
    listings_last_24h = serializers.IntegerField(help_text="Listings your searches matched in the last 24 hours.")
    unread_alerts = serializers.IntegerField()
    best_deals = MatchedListingSerializer(many=True, help_text="Your five best current deals (active, not dismissed).")
    scrape_health = ScrapeHealthSerializer(many=True)


def _count(queryset: QuerySet[Any]) -> Subquery:
    """COUNT(*) of a queryset as a scalar subquery, so the three counts share one round trip.

    COUNT as a plain Func (not an aggregate) adds no GROUP BY: the subquery is one row.
    """
    counted = queryset.order_by().annotate(counted=Func(F("pk"), function="COUNT")).values("counted")
    return Subquery(counted, output_field=IntegerField())


def dashboard_for_user(*, user: Any) -> dict[str, Any]:
    since = timezone.now() - timedelta(hours=24)
    matches = match_list_for_user(user=user)
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            active_searches=_count(Search.objects.filter(owner=user, is_active=True)),
            listings_last_24h=_count(matches.filter(matched_at__gte=since)),
            unread_alerts=_count(Alert.objects.filter(user=user, read_at__isnull=True)),
        )
        .values("active_searches", "listings_last_24h", "unread_alerts")
        .get()
    )
    best = match_rows_for_user(
        user=user, lookups={"deal_score__isnull": False, "listing__is_active": True}, ordering=F("deal_score").desc()
    )[:BEST_DEALS]
    return {**counts, "best_deals": [listing_row(row) for row in best]}


def _health() -> list[dict[str, Any]]:
    return [{**asdict(row), "healthy": row.healthy} for row in scrape_health_cached()]


_DATETIME = serializers.DateTimeField()


# The encoded scrape health rows are kept this long in each process (the "local" cache)
# on top of their shared cache (listings.scrape_health): every dashboard request writes
# them, and their Redis read and writing cost a third of a cached dashboard's time
# (bench/api.py --profile). Rows are at most CACHE_SECONDS + HEALTH_LOCAL_SECONDS old.
HEALTH_LOCAL_SECONDS = 5
_HEALTH_LOCAL_KEY = "dashboard-health-rows"


def health_rows() -> list[dict[str, Any]]:
    """The scrape health as ScrapeHealthSerializer writes it, without building a serializer.

    ScrapeHealthSerializer(many=True) cost about a fifth of a cached dashboard's time
    (bench/api.py --profile). The serializer stays the schema; a test keeps the two in step.
    """
    return [
        {
            "slug": row["slug"],
            "name": row["name"],
            "enabled": row["enabled"],
            "healthy": row["healthy"],
            "last_run_at": _DATETIME.to_representation(row["last_run_at"]),
            "last_status": row["last_status"],
            "last_error_at": _DATETIME.to_representation(row["last_error_at"]),
            "failures_last_hour": row["failures_last_hour"],
        }
        for row in _health()
    ]


def health_json() -> bytes:
    """health_rows() as the API encodes it, kept HEALTH_LOCAL_SECONDS in this process.

    Every dashboard answer carries these rows (shared by everyone, so not in the per-user
    cache); kept as bytes, a cached dashboard is the user's stored body with them spliced in.
    """
    local = caches["local"]
    body: bytes | None = local.get(_HEALTH_LOCAL_KEY)
    if body is None:
        body = api_json(health_rows())
        local.set(_HEALTH_LOCAL_KEY, body, HEALTH_LOCAL_SECONDS)
    return body


# The per-user part is stored with an empty scrape health, its last field (DashboardSerializer).
_EMPTY_HEALTH_TAIL = b'"scrape_health":[]}'


def _with_health(stored: bytes) -> bytes:
    """A stored per-user body with this moment's scrape health in place of the empty list."""
    if stored.endswith(_EMPTY_HEALTH_TAIL):
        return stored[: -len(b"[]}")] + health_json() + b"}"
    data = orjson.loads(stored)  # not written by _stored_body (a field added after it, say)
    data["scrape_health"] = orjson.loads(health_json())
    return api_json(data)


def _stored_body(result: dict[str, Any]) -> bytes:
    """The per-user part of the dashboard, encoded; best_deals are already written as
    MatchedListingSerializer writes them (listing_row)."""
    data = dict(DashboardSerializer({**result, "best_deals": [], "scrape_health": []}).data)
    data["best_deals"] = result["best_deals"]
    return api_json(data)


def dashboard_body(*, user: Any, request: Any = None) -> bytes:
    """The dashboard as the API encodes it (core.jsonbody.api_json), its per-user part from
    the per-user cache when fresh; the scrape health has its own caches (health_json)."""
    if not usercache.enabled():
        return _with_health(_stored_body(dashboard_for_user(user=user)))
    stored = usercache.user_view_get(user.pk, CACHE_FIELD, request=request)
    if stored is None:
        stored = _stored_body(dashboard_for_user(user=user))
        usercache.user_view_set(user.pk, CACHE_FIELD, stored)
    return _with_health(stored)


class DashboardView(APIView):
    @extend_schema(
        operation_id="dashboard_retrieve",
        summary="Your overview: searches, recent finds, unread alerts, best deals, scrape health",
        responses={200: DashboardSerializer},
        examples=[
            OpenApiExample(
                "dashboard",
                response_only=True,
                value={
                    "active_searches": 3,
                    "listings_last_24h": 17,
                    "unread_alerts": 4,
                    "best_deals": [LISTING_EXAMPLE],
                    "scrape_health": [
                        {
                            "slug": "sandbox",
                            "name": "Sandbox Market",
                            "enabled": True,
                            "healthy": True,
                            "last_run_at": "2026-11-29T10:00:00Z",
                            "last_status": "ok",
                            "last_error_at": None,
                            "failures_last_hour": 0,
                        }
                    ],
                },
            )
        ],
        tags=["dashboard"],
    )
    def get(self, request: Request) -> HttpResponse:
        # Sent as encoded to clients of compact JSON; the browsable API and indent= render it.
        body = dashboard_body(user=request.user, request=request)
        return usercache.as_response(request, body) or Response(orjson.loads(body))

    def user_view_field(self, request: Request) -> str | None:
        # Read with the token and the throttle's count in one round trip (dealscout.authentication).
        return CACHE_FIELD if request.method == "GET" else None
