"""Searches (CRUD for the owner) and the owner's matched listings (read)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework import mixins, serializers, viewsets

from listings.models import Marketplace
from searches import selectors
from searches.models import MIN_INTERVAL_MINUTES, Match, Search


class SearchSerializer(serializers.ModelSerializer):
    marketplaces = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Marketplace.objects.filter(enabled=True))
    excluded_terms = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    interval_minutes = serializers.IntegerField(min_value=MIN_INTERVAL_MINUTES, required=False)

    class Meta:
        model = Search
        fields = [
            "id",
            "name",
            "query",
            "excluded_terms",
            "min_price",
            "max_price",
            "currency",
            "condition",
            "location",
            "radius_km",
            "marketplaces",
            "interval_minutes",
            "is_active",
            "alert_on_new",
            "alert_on_price_drop",
            "price_drop_percent",
            "min_deal_score",
            "next_run_at",
            "last_run_at",
            "created_at",
        ]
        read_only_fields = ["id", "next_run_at", "last_run_at", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low = attrs.get("min_price", getattr(self.instance, "min_price", None))
        high = attrs.get("max_price", getattr(self.instance, "max_price", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_price": "must not exceed max_price"})
        for key in ("min_price", "max_price"):
            if attrs.get(key) is not None and attrs[key] < 0:
                raise serializers.ValidationError({key: "must not be negative"})
        return attrs


class SearchViewSet(viewsets.ModelViewSet):
    serializer_class = SearchSerializer

    def get_queryset(self) -> Any:
        return selectors.search_list_for_user(user=self.request.user)

    @transaction.atomic
    def perform_create(self, serializer: SearchSerializer) -> None:
        serializer.save(owner=self.request.user)


class MatchedListingSerializer(serializers.ModelSerializer):
    listing_id = serializers.IntegerField(source="listing.id")
    title = serializers.CharField(source="listing.title")
    url = serializers.URLField(source="listing.url")
    price = serializers.DecimalField(source="listing.price", max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="listing.currency")
    condition = serializers.CharField(source="listing.condition")
    marketplace = serializers.CharField(source="listing.marketplace.slug")
    image_url = serializers.CharField(source="listing.image_url")
    first_seen_at = serializers.DateTimeField(source="listing.first_seen_at")
    search_id = serializers.IntegerField(source="search.id")

    class Meta:
        model = Match
        fields = [
            "id",
            "listing_id",
            "search_id",
            "title",
            "url",
            "price",
            "currency",
            "condition",
            "marketplace",
            "image_url",
            "first_seen_at",
            "matched_at",
            "deal_score",
            "score_explanation",
            "saved",
        ]


class MatchedListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MatchedListingSerializer

    def get_queryset(self) -> Any:
        return selectors.match_list_for_user(user=self.request.user)
