"""Reading searches and matches on behalf of a user. Another user's rows are a 404."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from listings.models import Listing, PriceObservation
from searches.models import Match, Search

# The same window the deal score uses for its comparables (searches.services).
MARKET_WINDOW = timedelta(days=30)


def search_list_for_user(*, user: object) -> QuerySet[Search]:
    return Search.objects.filter(owner=user).prefetch_related("marketplaces").order_by("-created_at", "-id")


def search_get_for_user(*, user: object, search_id: int) -> Search:
    return get_object_or_404(search_list_for_user(user=user), pk=search_id)


def match_list_for_user(*, user: object) -> QuerySet[Match]:
    """The owner's matched listings, not dismissed, newest first; one query per page."""
    return (
        Match.objects.filter(search__owner=user, dismissed=False)
        .select_related("listing", "listing__marketplace")
        # What the agent read and the agent settings can be large and are never shown here.
        .defer("listing__raw", "listing__marketplace__config")
        .order_by("-matched_at", "-id")
    )


# The columns of a listing page (searches.api.listing_row), read as tuples: a page of 50
# rows as model instances (a Match, its Listing, its Marketplace each) costs more than
# the query itself.
MATCH_ROW_FIELDS = (
    "id",
    "listing_id",
    "search_id",
    "listing__title",
    "listing__url",
    "listing__price",
    "listing__currency",
    "listing__condition",
    "listing__marketplace__slug",
    "listing__image_url",
    "listing__first_seen_at",
    "matched_at",
    "deal_score",
    "score_explanation",
    "saved",
)


def match_rows_for_user(*, user: object, lookups: dict[str, object] | None = None, ordering: object = None) -> QuerySet[Match]:
    """The owner's matched listings as tuples of MATCH_ROW_FIELDS (filtered, ordered)."""
    rows = Match.objects.filter(search__owner=user, dismissed=False, **(lookups or {}))
    rows = rows.order_by(ordering, "-id") if ordering is not None else rows.order_by("-matched_at", "-id")
    return rows.values_list(*MATCH_ROW_FIELDS)


def match_get_for_user(*, user: object, match_id: int, with_history: bool = False) -> Match:
    matches = match_list_for_user(user=user)
    if with_history:
        history = PriceObservation.objects.order_by("observed_at", "id")
        matches = matches.prefetch_related(Prefetch("listing__price_history", queryset=history))
    return get_object_or_404(matches, pk=match_id)


@dataclass(frozen=True)
class MarketSummary:
    currency: str
    listings_seen: int
    priced_listings: int
    median_price: Decimal | None
    low_price: Decimal | None
    high_price: Decimal | None
    spread: Decimal | None
    window_days: int


def search_market_summary(*, search: Search) -> MarketSummary:
    """What the market asks for a search: the median, low and high price of its matches.

    Prices count only in the search's currency and from listings seen in the last
    MARKET_WINDOW, as the deal score does; ``listings_seen`` counts every match.
    """
    since = timezone.now() - MARKET_WINDOW
    prices = sorted(
        Listing.objects.filter(matches__search=search, currency=search.currency, price__isnull=False, last_seen_at__gte=since).values_list(
            "price", flat=True
        )
    )
    seen = Match.objects.filter(search=search).count()
    if not prices:
        return MarketSummary(search.currency, seen, 0, None, None, None, None, MARKET_WINDOW.days)
    cent = Decimal("0.01")
    median = Decimal(statistics.median(prices)).quantize(cent)
    return MarketSummary(
        currency=search.currency,
        listings_seen=seen,
        priced_listings=len(prices),
        median_price=median,
        low_price=prices[0],
        high_price=prices[-1],
        spread=(prices[-1] - prices[0]).quantize(cent),
        window_days=MARKET_WINDOW.days,
    )
