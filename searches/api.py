"""Searches (CRUD for the owner, run now, pause/resume, market summary) and the owner's
matched listings (filter, order, detail with price history, save/unsave/dismiss)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

import orjson
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import user_of
from core import usercache
from core.jsonbody import api_json
from listings.api import MarketplaceHealthWithSlugSerializer, health_data
from listings.models import Marketplace, PriceObservation
from listings.money import current_rates
from listings.selectors import marketplace_health
from searches import geo, matching, money, selectors, services
from searches.aliases import alias_table
from searches.filters import MatchFilter, match_filter_lookups
from searches.models import MIN_INTERVAL_MINUTES, Match, Search
from searches.query import parse as parse_query

SEARCH_EXAMPLE = {
    "id": 12,
    "name": "Cheap ThinkPad",
    "query": "thinkpad x1 carbon",
    "excluded_terms": ["broken", "parts"],
    "min_price": "150.00",
    "max_price": "600.00",
    "currency": "USD",
    "condition": "used",
    "include_accessories": False,
    "location": "San Francisco, CA",
    "radius_km": 50,
    "location_name": "San Francisco, CA, US",
    "latitude": 37.77493,
    "longitude": -122.41942,
    "location_country": "US",
    "keep_unknown_location": True,
    "include_shipping": False,
    "marketplaces": ["sandbox"],
    "interval_minutes": 15,
    "is_active": True,
    "alert_on_new": True,
    "alert_on_price_drop": True,
    "price_drop_percent": "5.00",
    "min_deal_score": "10.00",
    "next_run_at": "2026-11-29T10:15:00Z",
    "last_run_at": "2026-11-29T10:00:00Z",
    "created_at": "2026-11-20T08:00:00Z",
}
LISTING_EXAMPLE = {
    "id": 311,
    "listing_id": 9042,
    "search_id": 12,
    "title": "Lenovo ThinkPad X1 Carbon Gen 9, 16GB",
    "url": "https://market.example/items/9042",
    "price": "420.00",
    "currency": "USD",
    "condition": "used",
    "marketplace": "sandbox",
    "image_url": "https://market.example/img/9042.jpg",
    "first_seen_at": "2026-11-29T09:58:00Z",
    "matched_at": "2026-11-29T10:00:00Z",
    "converted_price": "420.00",
    "converted_currency": "USD",
    "rate_date": None,
    "deal_score": "23.50",
    "score_explanation": "23.5% below the median of 14 comparable listings (549.00 USD), confidence medium",
    "score_confidence": "medium",
    "comparables_count": 14,
    "saved": False,
}
LISTING_DETAIL_EXAMPLE = {
    **LISTING_EXAMPLE,
    "match_explanation": "matched 'thinkpad', 'x1', 'carbon'; excluded: none; price 150.00 ≤ 420.00 ≤ 600.00 USD",
    "location": "Austin, TX",
    "seller": "laptopland",
    "shipping": "12.00",
    "posted_at": "2026-11-29T07:30:00Z",
    "last_seen_at": "2026-11-29T10:00:00Z",
    "is_active": True,
    "price_history": [
        {"price": "480.00", "currency": "USD", "observed_at": "2026-11-28T10:00:00Z"},
        {"price": "420.00", "currency": "USD", "observed_at": "2026-11-29T10:00:00Z"},
    ],
}


class MarketplaceSlugField(serializers.SlugRelatedField):
    """A marketplace by slug; anything that cannot be a slug is refused before the database sees it
    (PostgreSQL rejects NUL bytes in text with an error, which would be a 500)."""

    def to_internal_value(self, data: Any) -> Marketplace:
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        return super().to_internal_value(data)


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class SearchSerializer(serializers.ModelSerializer):
    marketplaces = MarketplaceSlugField(slug_field="slug", many=True, queryset=Marketplace.objects.filter(enabled=True), allow_empty=False)
    excluded_terms = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    interval_minutes = serializers.IntegerField(min_value=MIN_INTERVAL_MINUTES, max_value=7 * 24 * 60, required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3, required=False, help_text="ISO 4217 code.")
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), allow_null=True, required=False)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), allow_null=True, required=False)
    price_drop_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("99.99"), required=False
    )
    min_deal_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal(-100), max_value=Decimal(100), allow_null=True, required=False
    )
    radius_km = serializers.IntegerField(min_value=0, max_value=20000, allow_null=True, required=False)
    location = serializers.CharField(
        max_length=200, allow_blank=True, required=False, help_text='A place name ("Berlin", "Portland, OR") or a US ZIP code.'
    )

    class Meta:
        model = Search
        fields = list(SEARCH_EXAMPLE)
        read_only_fields = ["id", "next_run_at", "last_run_at", "created_at", "location_name", "latitude", "longitude", "location_country"]

    # The rules across fields (min_price <= max_price, ...) are the service's (search_create).

    def validate_query(self, value: str) -> str:
        parse_query(value, strict=True)  # QuerySyntaxError: a 400 on "query" saying what to fix
        return value


class PreviewListingSerializer(serializers.Serializer):
    listing_id = serializers.IntegerField()
    title = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    marketplace = serializers.CharField()
    url = serializers.CharField()
    why = serializers.CharField(help_text="Which words matched (and how), or what stopped the match.")


class SearchPreviewSerializer(serializers.Serializer):
    matching = serializers.IntegerField(help_text="Listings among those scanned that the search would match now.")
    scanned = serializers.IntegerField(help_text="Recent listings of the search's marketplaces looked at.")
    scan_cap = serializers.IntegerField(help_text="At most this many listings are scanned.")
    window_days = serializers.IntegerField(help_text="Only listings seen within this many days are scanned.")
    capped = serializers.BooleanField(help_text="True when the scan stopped at scan_cap (older listings not counted).")
    note = serializers.CharField()
    examples = PreviewListingSerializer(many=True)
    near_misses = PreviewListingSerializer(many=True, help_text="Listings that almost matched, with the reason they did not.")


PREVIEW_EXAMPLE = {
    "matching": 3,
    "scanned": 212,
    "scan_cap": selectors.PREVIEW_SCAN_CAP,
    "window_days": selectors.PREVIEW_WINDOW.days,
    "capped": False,
    "note": "Counted over the 212 most recent listings seen in the last 7 days on the search's marketplaces.",
    "examples": [
        {
            "listing_id": 9042,
            "title": "Lenovo ThinkPad X1 Carbon Gen 9, 16GB",
            "price": "420.00",
            "currency": "USD",
            "marketplace": "sandbox",
            "url": "https://market.example/items/9042",
            "why": "matched 'thinkpad', 'x1', 'carbon'; excluded: none; price 420.00 ≤ 600.00 USD",
        }
    ],
    "near_misses": [
        {
            "listing_id": 9051,
            "title": "Keyboard cover for ThinkPad X1 Carbon",
            "price": "12.00",
            "currency": "USD",
            "marketplace": "sandbox",
            "url": "https://market.example/items/9051",
            "why": "matched 'thinkpad', 'x1', 'carbon'; excluded: none; accessory: 'keyboard cover for' "
            "(this search does not want accessories or parts)",
        }
    ],
}


class SearchWithPreviewSerializer(SearchSerializer):
    """A saved search and, on create and change, what it would match now."""

    preview = SearchPreviewSerializer(read_only=True)

    class Meta(SearchSerializer.Meta):
        fields = [*SearchSerializer.Meta.fields, "preview"]


def _preview_data(preview: selectors.SearchPreview) -> dict[str, Any]:
    data = SearchPreviewSerializer(preview).data
    return dict(data)


class SearchDetailSerializer(SearchSerializer):
    """A search with the health of its marketplaces (so its owner sees why nothing comes)."""

    marketplaces_health = serializers.SerializerMethodField()

    class Meta(SearchSerializer.Meta):
        fields = [*SearchSerializer.Meta.fields, "marketplaces_health"]

    @extend_schema_field(MarketplaceHealthWithSlugSerializer(many=True))
    def get_marketplaces_health(self, search: Search) -> list[dict[str, Any]]:
        marketplaces = sorted(search.marketplaces.all(), key=lambda marketplace: marketplace.slug)
        health = marketplace_health(marketplace_ids=[marketplace.pk for marketplace in marketplaces])
        return [{"slug": marketplace.slug, **health_data(health.get(marketplace.pk))} for marketplace in marketplaces]


class MarketSummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    listings_seen = serializers.IntegerField(help_text="Every listing this search has matched.")
    priced_listings = serializers.IntegerField(help_text="Matches priced in the search's currency, seen within the window.")
    median_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    low_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    high_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    spread = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, help_text="high_price - low_price")
    window_days = serializers.IntegerField()


RunOutput = inline_serializer(
    "SearchRunQueued",
    {"search_id": serializers.IntegerField(), "scouts_queued": serializers.IntegerField(), "status": serializers.CharField()},
)

_SEARCH_TAG = ["searches"]


@extend_schema_view(
    list=extend_schema(
        summary="Your searches, newest first",
        tags=_SEARCH_TAG,
        examples=[OpenApiExample("page", response_only=True, value=SEARCH_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Save a new search",
        tags=_SEARCH_TAG,
        examples=[
            OpenApiExample(
                "create",
                request_only=True,
                value={"name": "Cheap ThinkPad", "query": "thinkpad x1 carbon", "max_price": "600.00", "marketplaces": ["sandbox"]},
            ),
            OpenApiExample("created", response_only=True, status_codes=["201"], value={**SEARCH_EXAMPLE, "preview": PREVIEW_EXAMPLE}),
        ],
        responses={201: SearchWithPreviewSerializer},
    ),
    retrieve=extend_schema(summary="One of your searches", tags=_SEARCH_TAG, examples=[OpenApiExample("search", value=SEARCH_EXAMPLE)]),
    partial_update=extend_schema(
        summary="Change a search",
        tags=_SEARCH_TAG,
        examples=[
            OpenApiExample("change", request_only=True, value={"max_price": "500.00", "interval_minutes": 30}),
            OpenApiExample("changed", response_only=True, value={**SEARCH_EXAMPLE, "preview": PREVIEW_EXAMPLE}),
        ],
        responses={200: SearchWithPreviewSerializer},
    ),
    destroy=extend_schema(summary="Delete a search and its matches", tags=_SEARCH_TAG, responses={204: None}),
)
class SearchViewSet(viewsets.ModelViewSet):
    queryset = Search.objects.none()  # the model, for the schema; rows come from get_queryset
    serializer_class = SearchSerializer
    lookup_value_regex = "[0-9]{1,18}"  # longer cannot be an id: a 404, not an overflow
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def throttle_scope(self) -> str | None:
        # Running a search costs a fetch on someone else's site: it has its own, tight budget.
        return "scout" if getattr(self, "action", None) == "run" else None

    def get_queryset(self) -> Any:
        return selectors.search_list_for_user(user=user_of(self.request))

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return SearchDetailSerializer if getattr(self, "action", None) == "retrieve" else SearchSerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Search]) -> None:
        serializer.instance = services.search_create(owner=user_of(self.request), **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Search]) -> None:
        assert serializer.instance is not None  # an update always has the row it updates
        serializer.instance = services.search_update(search=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Search) -> None:
        services.search_delete(search=instance)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        response.data["preview"] = _preview_data(selectors.search_preview(search_or_rules=self._saved(response)))
        return response

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().partial_update(request, *args, **kwargs)
        response.data["preview"] = _preview_data(selectors.search_preview(search_or_rules=self._saved(response)))
        return response

    def _saved(self, response: Response) -> Search:
        return selectors.search_get_for_user(user=user_of(self.request), search_id=response.data["id"])

    @extend_schema(
        summary="What a search would match now, without saving it",
        description="Takes the body of `POST /api/v1/searches/` (`name` may be left out) and answers how many "
        "recent stored listings of its marketplaces it would match, with a few examples and near misses, each "
        "with its explanation. Nothing is saved. The scan is bounded: listings seen in the last "
        f"{selectors.PREVIEW_WINDOW.days} days, at most {selectors.PREVIEW_SCAN_CAP}, newest first.",
        request=SearchSerializer,
        responses={200: SearchPreviewSerializer},
        examples=[
            OpenApiExample(
                "preview",
                request_only=True,
                value={"query": "thinkpad x1 carbon -broken", "max_price": "600.00", "marketplaces": ["sandbox"]},
            ),
            OpenApiExample("answer", response_only=True, value=PREVIEW_EXAMPLE),
        ],
        tags=_SEARCH_TAG,
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        serializer = SearchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        missing = {name: ["This field is required."] for name in ("query", "marketplaces") if name not in data}
        if missing:
            raise serializers.ValidationError(missing)
        rules = matching.MatchRules(
            query=data["query"],
            excluded=tuple(data.get("excluded_terms", ())),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            currency=data.get("currency", Search._meta.get_field("currency").default),
            condition=data.get("condition", Search.ConditionFilter.ANY),
            include_accessories=data.get("include_accessories", False),
            aliases=alias_table(),
            place=geo.place_rule_for_location(
                data.get("location", ""), radius_km=data.get("radius_km"), keep_unknown=data.get("keep_unknown_location", True)
            ),
            rates=current_rates(),
            include_shipping=data.get("include_shipping", False),
        )
        min_price, max_price = rules.min_price, rules.max_price
        if min_price is not None and max_price is not None and min_price > max_price:
            raise serializers.ValidationError({"min_price": ["must not exceed max_price"]})
        preview = selectors.search_preview(search_or_rules=rules, marketplace_ids=[market.pk for market in data["marketplaces"]])
        return Response(_preview_data(preview))

    @extend_schema(
        summary="Scout this search now",
        description="Queues one scout per enabled marketplace of the search and answers 202 at once; "
        "matches and alerts arrive as the scouts finish. A paused search answers 400 (`search_paused`).",
        request=None,
        responses={202: RunOutput},
        examples=[
            OpenApiExample(
                "queued", response_only=True, status_codes=["202"], value={"search_id": 12, "scouts_queued": 1, "status": "queued"}
            )
        ],
        tags=_SEARCH_TAG,
    )
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str | None = None) -> Response:
        search = self.get_object()
        queries = services.search_run_now(search=search)
        return Response({"search_id": search.pk, "scouts_queued": len(queries), "status": "queued"}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Pause a search (no more scheduled runs)",
        request=None,
        responses={200: SearchSerializer},
        examples=[OpenApiExample("paused", response_only=True, value={**SEARCH_EXAMPLE, "is_active": False})],
        tags=_SEARCH_TAG,
    )
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        search = services.search_pause(search=self.get_object())
        return Response(self.get_serializer(search).data)

    @extend_schema(
        summary="Resume a paused search (due at once)",
        request=None,
        responses={200: SearchSerializer},
        examples=[OpenApiExample("resumed", response_only=True, value=SEARCH_EXAMPLE)],
        tags=_SEARCH_TAG,
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        search = services.search_resume(search=self.get_object())
        return Response(self.get_serializer(search).data)

    @extend_schema(
        summary="What the market asks: median, low, high and spread of the matched prices",
        responses={200: MarketSummarySerializer},
        examples=[
            OpenApiExample(
                "summary",
                response_only=True,
                value={
                    "currency": "USD",
                    "listings_seen": 48,
                    "priced_listings": 41,
                    "median_price": "549.00",
                    "low_price": "310.00",
                    "high_price": "890.00",
                    "spread": "580.00",
                    "window_days": 30,
                },
            )
        ],
        tags=_SEARCH_TAG,
    )
    @action(detail=True, methods=["get"], url_path="market-summary")
    def market_summary(self, request: Request, pk: str | None = None) -> Response:
        summary = selectors.search_market_summary(search=self.get_object())
        return Response(MarketSummarySerializer(summary).data)


class _ConvertedPriceField(serializers.DecimalField):
    def get_attribute(self, instance: Match) -> Decimal | None:
        converted = _converted(instance)
        return converted.amount if converted else None


class _RateDateField(serializers.DateField):
    def get_attribute(self, instance: Match) -> Any:
        converted = _converted(instance)
        return converted.rate_date if converted else None


class MatchedListingSerializer(serializers.ModelSerializer):
    listing_id = serializers.IntegerField(read_only=True)
    search_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="listing.title")
    url = serializers.CharField(source="listing.url")
    price = serializers.DecimalField(source="listing.price", max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="listing.currency")
    condition = serializers.CharField(source="listing.condition")
    marketplace = serializers.CharField(source="listing.marketplace.slug")
    image_url = serializers.CharField(source="listing.image_url")
    first_seen_at = serializers.DateTimeField(source="listing.first_seen_at")
    converted_price = _ConvertedPriceField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="The price (plus shipping when the search includes it) in the search's currency, at the ECB rate; "
        "null when the listing's currency has no ECB rate.",
    )
    converted_currency = serializers.CharField(source="search.currency", read_only=True, help_text="The search's currency.")
    score_confidence = serializers.CharField(
        read_only=True, help_text="How far the deal score can be trusted: high, medium or low; empty without a score."
    )
    comparables_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Comparables the market value was computed from; null without a score."
    )
    rate_date = _RateDateField(
        allow_null=True, read_only=True, help_text="The ECB day of the rate used; null when no conversion was needed."
    )

    class Meta:
        model = Match
        fields = list(LISTING_EXAMPLE)
        read_only_fields = fields

    def to_representation(self, instance: Match) -> dict[str, Any]:
        """The declared fields' output, built directly: pages of 50 rows are the API's hot path.

        DRF's generic loop costs ~0.15 ms per row here (bench/api.py); this costs a tenth.
        test_api_listings checks that both give the same output.
        """
        match = instance
        listing = match.listing
        converted = _converted(match)
        return {
            "id": match.pk,
            "listing_id": match.listing_id,
            "search_id": match.search_id,
            "title": listing.title,
            "url": listing.url,
            "price": _money(listing.price),
            "currency": listing.currency,
            "condition": listing.condition,
            "marketplace": listing.marketplace.slug,
            "image_url": listing.image_url,
            "first_seen_at": _DATETIME.to_representation(listing.first_seen_at),
            "matched_at": _DATETIME.to_representation(match.matched_at),
            "converted_price": _money(converted.amount) if converted else None,
            "converted_currency": match.search.currency,
            "rate_date": converted.rate_date.isoformat() if converted and converted.rate_date else None,
            "deal_score": _money(match.deal_score),
            "score_explanation": match.score_explanation,
            "score_confidence": match.score_confidence,
            "comparables_count": match.comparables_count,
            "saved": match.saved,
        }


def _converted(match: Match) -> money.Converted | None:
    """The listing's price in its search's currency (with shipping when the search adds it)."""
    listing, search = match.listing, match.search
    return money.converted_amount(
        listing.price,
        listing.currency,
        to_currency=search.currency,
        rates=current_rates(),
        shipping=listing.shipping,
        include_shipping=search.include_shipping,
    )


def listing_row(row: tuple[Any, ...]) -> dict[str, Any]:
    """One row of selectors.match_rows_for_user as MatchedListingSerializer writes it."""
    (pk, listing_id, search_id, title, url, price, currency, condition, market, image, first_seen, matched, score, why, saved) = row[:15]
    shipping, search_currency, include_shipping, confidence, comparables = row[15:]
    converted = money.converted_amount(
        price, currency, to_currency=search_currency, rates=current_rates(), shipping=shipping, include_shipping=include_shipping
    )
    return {
        "id": pk,
        "listing_id": listing_id,
        "search_id": search_id,
        "title": title,
        "url": url,
        "price": _money(price),
        "currency": currency,
        "condition": condition,
        "marketplace": market,
        "image_url": image,
        "first_seen_at": _DATETIME.to_representation(first_seen),
        "matched_at": _DATETIME.to_representation(matched),
        "converted_price": _money(converted.amount) if converted else None,
        "converted_currency": search_currency,
        "rate_date": converted.rate_date.isoformat() if converted and converted.rate_date else None,
        "deal_score": _money(score),
        "score_explanation": why,
        "score_confidence": confidence,
        "comparables_count": comparables,
        "saved": saved,
    }


_DATETIME = serializers.DateTimeField()
_DECIMAL = serializers.DecimalField(max_digits=12, decimal_places=2)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else _DECIMAL.to_representation(value)


class PriceObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceObservation
        fields = ["price", "currency", "observed_at"]


class MatchedListingDetailSerializer(MatchedListingSerializer):
    location = serializers.CharField(source="listing.location")
    seller = serializers.CharField(source="listing.seller")
    shipping = serializers.DecimalField(source="listing.shipping", max_digits=12, decimal_places=2, allow_null=True)
    posted_at = serializers.DateTimeField(source="listing.posted_at", allow_null=True)
    last_seen_at = serializers.DateTimeField(source="listing.last_seen_at")
    is_active = serializers.BooleanField(source="listing.is_active")
    price_history = PriceObservationSerializer(source="listing.price_history", many=True)

    class Meta(MatchedListingSerializer.Meta):
        fields = list(LISTING_DETAIL_EXAMPLE)
        read_only_fields = fields

    # One row: DRF's generic path over every declared field.
    to_representation = serializers.ModelSerializer.to_representation


_LISTING_TAG = ["listings"]


@extend_schema_view(
    list=extend_schema(
        summary="Listings your searches matched (filter and order)",
        description="`id` is the match id (a listing matched by two of your searches appears twice, once per search).",
        tags=_LISTING_TAG,
        examples=[OpenApiExample("page", response_only=True, value=LISTING_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One matched listing, with price history and the deal-score explanation",
        tags=_LISTING_TAG,
        examples=[OpenApiExample("detail", response_only=True, value=LISTING_DETAIL_EXAMPLE)],
    ),
)
class MatchedListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Match.objects.none()  # the model, for the schema; rows come from get_queryset
    serializer_class = MatchedListingSerializer
    lookup_value_regex = "[0-9]{1,18}"  # longer cannot be an id: a 404, not an overflow
    filterset_class = MatchFilter

    def get_queryset(self) -> Any:
        return selectors.match_list_for_user(user=user_of(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        # The hot path: plain parameter checks, rows as tuples, one dict per row
        # (bench/api.py --profile shows where the generic path spent its time).
        # Pages are kept per user for a few seconds (core.usercache: forgotten when a match,
        # a search or a scout's writes change them); the host is part of the key because
        # the next/previous links are absolute. A cached page goes out as its stored bytes
        # (a plain HttpResponse) to clients of compact JSON, who are nearly all of them.
        user = user_of(request)
        cache_field = (self.user_view_field(request) or "") if usercache.enabled() else ""
        if cache_field and (cached := usercache.user_view_get(user.pk, cache_field, request=request)) is not None:
            return usercache.as_response(request, cached) or Response(orjson.loads(cached))
        lookups, ordering = match_filter_lookups(request.query_params)
        rows = selectors.match_rows_for_user(user=user, lookups=lookups, ordering=ordering)
        # Django's Paginator asks only count() and slices, which MatchRows answers.
        page = self.paginate_queryset(cast("Sequence[tuple[Any, ...]]", rows))
        assert page is not None  # the API always paginates (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS)
        response = self.get_paginated_response([listing_row(row) for row in page])
        if cache_field:
            usercache.user_view_set(user.pk, cache_field, api_json(response.data))
        return response

    def user_view_field(self, request: Request) -> str | None:
        """The per-user cache field of this request's answer (a page of the list), if any;
        read with the token and the throttle's count in one round trip (dealscout.authentication).
        Asked more than once per request, computed once (a view serves one request)."""
        if not hasattr(self, "_user_view_field"):
            self._user_view_field = f"listings {request.get_host()} {request.get_full_path()}" if self.action == "list" else None
        return self._user_view_field

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return MatchedListingDetailSerializer if self.action == "retrieve" else MatchedListingSerializer

    def get_object(self) -> Match:
        pk = self.kwargs["pk"]
        return selectors.match_get_for_user(user=user_of(self.request), match_id=int(pk), with_history=self.action == "retrieve")

    def _verdict(self, match: Match) -> Response:
        return Response(MatchedListingSerializer(match).data)

    @extend_schema(
        summary="Keep this listing (saved listings outlive the retention period)",
        request=None,
        responses={200: MatchedListingSerializer},
        examples=[OpenApiExample("saved", response_only=True, value={**LISTING_EXAMPLE, "saved": True})],
        tags=_LISTING_TAG,
    )
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: str | None = None) -> Response:
        return self._verdict(services.match_set_saved(match=self.get_object(), saved=True))

    @extend_schema(
        summary="Stop keeping this listing",
        request=None,
        responses={200: MatchedListingSerializer},
        examples=[OpenApiExample("unsaved", response_only=True, value=LISTING_EXAMPLE)],
        tags=_LISTING_TAG,
    )
    @action(detail=True, methods=["post"])
    def unsave(self, request: Request, pk: str | None = None) -> Response:
        return self._verdict(services.match_set_saved(match=self.get_object(), saved=False))

    @extend_schema(
        summary="Hide this listing from your lists (no more price-drop alerts for it)",
        request=None,
        responses={204: OpenApiResponse(description="Dismissed; the listing no longer appears.")},
        tags=_LISTING_TAG,
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        services.match_dismiss(match=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
