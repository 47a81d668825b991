"""Query-string filters and ordering for the owner's matched listings (GET /api/v1/listings/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.db.models import F, QuerySet
from rest_framework.exceptions import ValidationError

from listings.models import Condition
from searches.models import Match

MAX_ID = 2**63 - 1
MAX_PRICE = 10**10 - 1  # DecimalField(max_digits=12, decimal_places=2)

# Public ordering name -> model field. Nulls (no price, no score) sort last either way.
ORDERINGS = {"price": "listing__price", "deal_score": "deal_score", "first_seen": "listing__first_seen_at"}
ORDERING_CHOICES = [(name, name) for key in ORDERINGS for name in (key, f"-{key}")]


class MatchFilter(django_filters.FilterSet):
    # Bounded, so that an absurd number is a 400 (SQLite cannot even bind it).
    search = django_filters.NumberFilter(field_name="search_id", min_value=1, max_value=MAX_ID, help_text="Only this search's matches.")
    marketplace = django_filters.CharFilter(field_name="listing__marketplace__slug", help_text="Marketplace slug.")
    min_price = django_filters.NumberFilter(field_name="listing__price", lookup_expr="gte", min_value=0, max_value=MAX_PRICE)
    max_price = django_filters.NumberFilter(field_name="listing__price", lookup_expr="lte", min_value=0, max_value=MAX_PRICE)
    condition = django_filters.ChoiceFilter(field_name="listing__condition", choices=Condition.choices)
    min_deal_score = django_filters.NumberFilter(field_name="deal_score", lookup_expr="gte", min_value=-9999, max_value=9999)
    saved = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")], method="filter_saved")
    first_seen_since = django_filters.IsoDateTimeFilter(method="filter_first_seen_since", help_text="ISO 8601 date-time.")
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES, method="order", help_text="price, deal_score or first_seen; prefix - for descending."
    )

    class Meta:
        model = Match
        fields: list[str] = []

    def filter_first_seen_since(self, queryset: QuerySet[Match], name: str, value: datetime) -> QuerySet[Match]:
        # In UTC: PostgreSQL refuses offsets past +-15:59, which ISO 8601 allows.
        try:
            since = value.astimezone(UTC)
        except OverflowError:
            raise ValidationError({"first_seen_since": ["Date-time out of range."]}) from None
        return queryset.filter(listing__first_seen_at__gte=since)

    def filter_saved(self, queryset: QuerySet[Match], name: str, value: str) -> QuerySet[Match]:
        return queryset.filter(saved=value == "true")

    def order(self, queryset: QuerySet[Match], name: str, value: Any) -> QuerySet[Match]:
        field = ORDERINGS[value.lstrip("-")]
        expression = F(field).desc(nulls_last=True) if value.startswith("-") else F(field).asc(nulls_last=True)
        return queryset.order_by(expression, "-id")
