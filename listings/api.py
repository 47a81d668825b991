"""The marketplaces a search can use, with their health (GET /api/v1/marketplaces/).

Marketplaces are global: every signed-in user sees the same enabled ones. The health
comes from ``listings.selectors.marketplace_health`` (a constant number of queries for
the whole page), the same rule that tells people when a source they use is down.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from listings.agents import get_agent
from listings.models import Marketplace
from listings.selectors import MarketplaceHealth, marketplace_health, marketplaces_enabled

HEALTH_EXAMPLE = {
    "state": "healthy",
    "last_run_at": "2026-11-29T10:00:00Z",
    "last_status": "ok",
    "last_good_run_at": "2026-11-29T10:00:00Z",
    "failing_since": None,
    "recent_statuses": ["ok", "ok", "rate_limited", "ok", "ok"],
}
MARKETPLACE_EXAMPLE = {
    "slug": "ebay-html-uk",
    "name": "eBay UK (search pages)",
    "agent": "ebay_html",
    "country": "GB",
    "currency": "GBP",
    "server_side_filters": ["condition", "max_price", "min_price"],
    "health": HEALTH_EXAMPLE,
}


class MarketplaceHealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["healthy", "degraded", "down", "unknown"],
        help_text="healthy: the last run read the site; degraded: failing, for less than MARKETPLACE_OUTAGE_AFTER_HOURS; "
        "down: no good run for that long while it was tried; unknown: never run.",
    )
    last_run_at = serializers.DateTimeField(allow_null=True)
    last_status = serializers.CharField(allow_null=True, help_text="A ScrapeRun status (docs/AGENTS.md).")
    last_good_run_at = serializers.DateTimeField(allow_null=True, help_text="The last run that read listings or an explicit 'no results'.")
    failing_since = serializers.DateTimeField(allow_null=True, help_text="The first failed run after the last good one.")
    recent_statuses = serializers.ListField(child=serializers.CharField(), help_text="The last runs' statuses, newest first.")


class MarketplaceHealthWithSlugSerializer(MarketplaceHealthSerializer):
    slug = serializers.SlugField()


def health_data(health: MarketplaceHealth | None) -> dict[str, Any]:
    if health is None:
        return {
            "state": "unknown",
            "last_run_at": None,
            "last_status": None,
            "last_good_run_at": None,
            "failing_since": None,
            "recent_statuses": [],
        }
    return MarketplaceHealthSerializer(
        {
            "state": health.state,
            "last_run_at": health.last_run_at,
            "last_status": health.last_status,
            "last_good_run_at": health.last_good_run_at,
            "failing_since": health.failing_since,
            "recent_statuses": health.recent_statuses,
        }
    ).data


class MarketplaceSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="default_currency", help_text="ISO 4217 code of prices that do not say.")
    server_side_filters = serializers.SerializerMethodField(help_text="Search filters the site itself applies to our query.")
    health = serializers.SerializerMethodField()

    class Meta:
        model = Marketplace
        fields = ["slug", "name", "agent", "country", "currency", "server_side_filters", "health"]

    def get_server_side_filters(self, marketplace: Marketplace) -> list[str]:
        try:
            return sorted(get_agent(marketplace.agent).server_side_filters)
        except KeyError:
            return []

    @extend_schema_field(MarketplaceHealthSerializer)
    def get_health(self, marketplace: Marketplace) -> dict[str, Any]:
        return health_data(self.context.get("health", {}).get(marketplace.pk))


_TAG = ["marketplaces"]


@extend_schema_view(
    list=extend_schema(
        summary="The marketplaces a search can use",
        description="Every enabled marketplace (the same list for everyone), with the filters it applies itself and its health. "
        "Put their `slug`s in a search's `marketplaces`. Paginated.",
        tags=_TAG,
        examples=[OpenApiExample("one", response_only=True, value=MARKETPLACE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One marketplace and its health",
        description="404 for a slug that does not exist or is disabled.",
        tags=_TAG,
        examples=[OpenApiExample("one", response_only=True, value=MARKETPLACE_EXAMPLE)],
    ),
)
class MarketplaceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MarketplaceSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]{1,50}"

    def get_queryset(self) -> QuerySet[Marketplace]:
        return marketplaces_enabled()

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        # The health of the page's marketplaces, in one go rather than per row.
        if args and args[0] is not None:
            instance = args[0]
            rows = list(instance) if isinstance(instance, list | QuerySet) else [instance]
            kwargs["context"] = {**self.get_serializer_context(), "health": marketplace_health(marketplace_ids=[row.pk for row in rows])}
        return super().get_serializer(*args, **kwargs)
