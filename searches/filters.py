"""Query-string filters and ordering for the owner's matched listings (GET /api/v1/listings/)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
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


# --- The list's hot path ---------------------------------------------------------------
# MatchFilter builds a form per request (copies of every filter and field, then the form's
# validation): a few milliseconds, most of a page's cost (bench/api.py --profile). The list
# view reads the same parameters with the plain checks below; MatchFilter still documents
# them in the OpenAPI schema, and test_api_listings holds both to the same behaviour.

_CONDITIONS = frozenset(Condition.values)
_BOUNDS: dict[str, tuple[Decimal, Decimal, str]] = {
    "min_price": (Decimal(0), Decimal(MAX_PRICE), "listing__price__gte"),
    "max_price": (Decimal(0), Decimal(MAX_PRICE), "listing__price__lte"),
    "min_deal_score": (Decimal(-9999), Decimal(9999), "deal_score__gte"),
}


def match_filter_lookups(params: Any) -> tuple[dict[str, Any], Any]:
    """Query parameters -> (ORM lookups, ordering expression or None); a 400 naming each bad one."""
    lookups: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    ordering = None
    for name in ("search", "marketplace", "min_price", "max_price", "condition", "min_deal_score", "saved", "first_seen_since", "ordering"):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if "\x00" in raw:
            errors[name] = ["Null characters are not allowed."]
        elif name == "search":
            if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_ID:
                errors[name] = [f"Enter a whole number between 1 and {MAX_ID}."]
            else:
                lookups["search_id"] = int(raw)
        elif name == "marketplace":
            lookups["listing__marketplace__slug"] = raw
        elif name in _BOUNDS:
            low, high, lookup = _BOUNDS[name]
            try:
                value = Decimal(raw.strip())
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                errors[name] = ["Enter a number."]
            elif not low <= value <= high:
                errors[name] = [f"Enter a number between {low} and {high}."]
            else:
                lookups[lookup] = value
        elif name == "condition":
            if raw not in _CONDITIONS:
                errors[name] = [f"Select a valid choice. {raw} is not one of the available choices."]
            else:
                lookups["listing__condition"] = raw
        elif name == "saved":
            if raw not in ("true", "false"):
                errors[name] = [f"Select a valid choice. {raw} is not one of the available choices."]
            else:
                lookups["saved"] = raw == "true"
        elif name == "first_seen_since":
            since = _parse_datetime(raw)
            if since is None:
                errors[name] = ["Enter a valid date/time."]
            else:
                lookups["listing__first_seen_at__gte"] = since
        elif name == "ordering":
            if raw not in _ORDERING_NAMES:
                errors[name] = [f"Select a valid choice. {raw} is not one of the available choices."]
            else:
                field = ORDERINGS[raw.lstrip("-")]
                ordering = F(field).desc(nulls_last=True) if raw.startswith("-") else F(field).asc(nulls_last=True)
    if errors:
        raise ValidationError(errors)
    return lookups, ordering


_ORDERING_NAMES = frozenset(name for name, _ in ORDERING_CHOICES)


def _parse_datetime(raw: str) -> datetime | None:
    """ISO 8601 as django-filter's IsoDateTimeFilter reads it, compared in UTC."""
    try:
        value = parse_datetime(raw.strip())
    except ValueError:
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None
