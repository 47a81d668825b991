"""Reading searches and matches on behalf of a user. Another user's rows are a 404."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from listings.models import Listing, PriceObservation
from searches.models import Match, Search

# The window of the deal score's comparables (searches.services) and of the market summary.
MARKET_WINDOW = timedelta(days=30)


def search_list_for_user(*, user: User) -> QuerySet[Search]:
    return Search.objects.filter(owner=user).prefetch_related("marketplaces").order_by("-created_at", "-id")


def search_get_for_user(*, user: User, search_id: int) -> Search:
    return get_object_or_404(search_list_for_user(user=user), pk=search_id)


def match_list_for_user(*, user: User) -> QuerySet[Match]:
    """The owner's matched listings, not dismissed, newest first; one query per page."""
    return (
        Match.objects.filter(search__owner=user, dismissed=False)
        .select_related("listing", "listing__marketplace")
        # What the agent read and the agent settings can be large and are never shown here.
        .defer("listing__raw", "listing__marketplace__config")
        .order_by("-matched_at", "-id")
    )


def match_get_for_user(*, user: User, match_id: int, with_history: bool = False) -> Match:
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
    rows = Listing.objects.filter(matches__search=search, currency=search.currency, price__isnull=False, last_seen_at__gte=since)
    prices = sorted(price for price in rows.values_list("price", flat=True) if price is not None)
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


def search_comparable_prices(*, search: Search) -> dict[int, Decimal]:
    """The deal score's comparables: listing id -> price of the search's matches, in its
    currency, seen within MARKET_WINDOW. The scout and the listing page's chart use this one rule."""
    since = timezone.now() - MARKET_WINDOW
    rows = Listing.objects.filter(matches__search=search, currency=search.currency, last_seen_at__gte=since, price__isnull=False)
    return {listing_id: price for listing_id, price in rows.values_list("id", "price") if price is not None}


def listing_get_for_user(*, user: User, listing_id: int) -> tuple[Listing, list[Match]]:
    """A listing one of the user's searches matched, with those matches (dismissed ones too,
    so a link in an old alert still opens); 404 for a listing none of their searches matched."""
    matches = list(
        Match.objects.filter(search__owner=user, listing_id=listing_id).select_related("search").order_by("dismissed", "-deal_score", "id")
    )
    if not matches:
        raise Http404("No such listing among your matches.")
    history = PriceObservation.objects.order_by("observed_at", "id")
    listing = (
        Listing.objects.select_related("marketplace")
        .defer("raw", "marketplace__config")
        .prefetch_related(Prefetch("price_history", queryset=history))
        .get(pk=listing_id)
    )
    return listing, matches
