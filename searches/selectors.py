"""Reading searches and matches on behalf of a user. Another user's rows are a 404."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from listings.models import Listing, PriceObservation
from listings.money import current_rates
from searches import matching, money
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
        .select_related("listing", "listing__marketplace", "search")
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
    # For the converted price and the score's confidence (searches.api.listing_row).
    "listing__shipping",
    "search__currency",
    "search__include_shipping",
    "score_confidence",
    "comparables_count",
)


def match_rows_for_user(*, user: User, lookups: dict[str, object] | None = None, ordering: str | Combinable | None = None) -> MatchRows:
    """The owner's matched listings as tuples of MATCH_ROW_FIELDS (filtered, ordered)."""
    matches = Match.objects.filter(search__owner=user, dismissed=False, **(lookups or {}))
    matches = matches.order_by(ordering, "-id") if ordering is not None else matches.order_by("-matched_at", "-id")
    return MatchRows(matches)


class MatchRows:
    """Rows of matched listings to slice and count, as Django's Paginator does with a queryset.

    A slice is one query of MATCH_ROW_FIELDS. The count asks for the filtered matches
    alone: counting the row query itself kept its joins to the listing and its
    marketplace, which cannot change the total (every match has both) and made the COUNT
    of a page about five times dearer to plan and run on PostgreSQL (bench/api.py, cold).
    """

    def __init__(self, matches: QuerySet[Match]) -> None:
        self._matches = matches
        self.ordered = matches.ordered  # read by Paginator, which warns about unordered pages

    def count(self) -> int:
        return self._matches.count()

    def __getitem__(self, index: slice) -> list[tuple[Any, ...]]:
        # Slices only: iterating by index would be a query per row.
        if not isinstance(index, slice):
            raise TypeError("MatchRows takes a slice, [start:stop]")
        return list(self._matches.values_list(*MATCH_ROW_FIELDS)[index])


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

    Prices are those of ``search_comparable_prices`` (converted to the search's currency,
    seen in the last MARKET_WINDOW), as the deal score's; ``listings_seen`` counts every match.
    """
    prices = sorted(search_comparable_prices(search=search).values())
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
    """Listing id -> price of the search's matches seen within MARKET_WINDOW, converted to
    the search's currency at the ECB rate (plus shipping when the search includes it);
    listings in a currency without a rate, accessories, boxes and parts are left out. The market summary and the web
    pages' charts use this; the deal score refines it per listing (searches.services)."""
    since = timezone.now() - MARKET_WINDOW
    rates = current_rates()
    rows = Listing.objects.filter(matches__search=search, last_seen_at__gte=since, price__isnull=False, kind=Listing.Kind.ITEM).values_list(
        "id", "price", "currency", "shipping"
    )
    prices: dict[int, Decimal] = {}
    for listing_id, price, currency, shipping in rows:
        converted = money.converted_amount(
            price, currency, to_currency=search.currency, rates=rates, shipping=shipping, include_shipping=search.include_shipping
        )
        if converted is not None:
            prices[listing_id] = converted.amount
    return prices


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


# --- Preview: what a search would match now ----------------------------------------------

# The preview answers while a person types: it reads only the newest listings of the
# search's marketplaces, at most PREVIEW_SCAN_CAP of them seen within PREVIEW_WINDOW, and
# says when it stopped at the cap. One query, then pure matching: a few milliseconds.
PREVIEW_WINDOW = timedelta(days=7)
PREVIEW_SCAN_CAP = 2000


@dataclass(frozen=True)
class PreviewListing:
    listing_id: int
    title: str
    price: Decimal | None
    currency: str
    marketplace: str
    url: str
    why: str


@dataclass(frozen=True)
class SearchPreview:
    matching: int  # among the listings scanned
    scanned: int
    scan_cap: int
    window_days: int
    capped: bool  # the scan stopped at scan_cap: older listings were not looked at
    examples: list[PreviewListing]
    near_misses: list[PreviewListing]

    @property
    def note(self) -> str:
        scope = f"the {self.scanned} most recent listings seen in the last {self.window_days} days on the search's marketplaces"
        return f"Counted over {scope}" + (f" (capped at {self.scan_cap})." if self.capped else ".")


def search_preview(
    *,
    search_or_rules: Search | matching.MatchRules,
    marketplace_ids: Iterable[int] | None = None,
    limit: int = 5,
) -> SearchPreview:
    """How many stored listings a search (saved or not) would match now, with examples.

    ``search_or_rules`` is a saved Search (its marketplaces are used) or MatchRules with
    ``marketplace_ids``. Near misses are listings whose words matched but another check
    failed (an accessory, the price, the condition, an exclusion), or that lacked a single
    required word: each says why, so a person can fix the query.
    """
    if isinstance(search_or_rules, Search):
        rules = matching.rules_for(search_or_rules)
        ids = list(search_or_rules.marketplaces.values_list("pk", flat=True))
    else:
        rules = search_or_rules
        ids = list(marketplace_ids or [])
    since = timezone.now() - PREVIEW_WINDOW
    rows = list(
        Listing.objects.filter(marketplace_id__in=ids, is_active=True, last_seen_at__gte=since)
        .order_by("-last_seen_at", "-id")
        .values_list(
            "pk",
            "title",
            "price",
            "currency",
            "condition",
            "url",
            "marketplace__slug",
            "shipping",
            "latitude",
            "longitude",
            "location_country",
        )[:PREVIEW_SCAN_CAP]
    )
    count = 0
    examples: list[PreviewListing] = []
    near: list[PreviewListing] = []
    required = len(rules.compiled.required)
    for pk, title, price, currency, condition, url, slug, shipping, latitude, longitude, country in rows:
        prepared = matching.prepare(title)
        verdict = matching.listing_match(
            rules,
            title=prepared,
            price=price,
            currency=currency,
            condition=condition,
            shipping=shipping,
            latitude=latitude,
            longitude=longitude,
            country=country,
        )
        if verdict.ok:
            count += 1
            if len(examples) < limit:
                examples.append(PreviewListing(pk, title, price, currency, slug, url, verdict.why))
        elif len(near) < limit:
            text = rules.compiled.test(prepared.text)
            if text.ok or (required > 1 and len(text.missing) == 1) or (text.excluded_by and not text.missing):
                near.append(PreviewListing(pk, title, price, currency, slug, url, verdict.why))
    return SearchPreview(
        matching=count,
        scanned=len(rows),
        scan_cap=PREVIEW_SCAN_CAP,
        window_days=PREVIEW_WINDOW.days,
        capped=len(rows) == PREVIEW_SCAN_CAP,
        examples=examples,
        near_misses=near,
    )
