"""Two readers the web pages need before their owners' versions land on main.

``search_preview``: engineer "query" is adding ``searches.selectors.search_preview``;
``marketplace_health``: engineer "catalog" is adding ``listings.selectors.marketplace_health``.
Until then these small functions answer with the existing rules (searches.matching,
listings.scrape_health); once the real ones exist, they are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from listings.models import Listing, Marketplace
from listings.scrape_health import MarketplaceHealth, scrape_health_cached
from searches import matching
from searches.models import Search

PREVIEW_SCAN_LIMIT = 5000  # the newest stored listings a preview looks through
PREVIEW_EXAMPLES = 5


@dataclass(frozen=True)
class PreviewExample:
    listing: Listing
    why: str


@dataclass(frozen=True)
class Preview:
    count: int
    scanned: int
    examples: list[PreviewExample]


def _why(rules: matching.MatchRules, listing: Listing) -> str:
    parts = []
    if rules.required:
        parts.append("title has " + ", ".join(f"“{term}”" for term in rules.required))
    if rules.excluded:
        parts.append("none of " + ", ".join(f"“{term}”" for term in rules.excluded))
    if rules.min_price is not None or rules.max_price is not None:
        low = f"{rules.min_price} ≤ " if rules.min_price is not None else ""
        high = f" ≤ {rules.max_price}" if rules.max_price is not None else ""
        parts.append(f"price {low}{listing.price}{high} {listing.currency}")
    if rules.condition != "any":
        parts.append(f"condition {listing.get_condition_display().lower()}")
    return "; ".join(parts)


def search_preview(*, search: Search, marketplaces: list[Marketplace]) -> Preview:
    """How many stored listings an (unsaved) search would match now, with examples and why."""
    try:
        from searches.selectors import search_preview as real  # type: ignore[attr-defined]
    except ImportError:
        real = None
    if real is not None:  # pragma: no cover - the query engineer's selector, once merged
        return real(search=search, marketplaces=marketplaces)
    rules = matching.rules_for(search)
    rows = list(
        Listing.objects.filter(marketplace__in=marketplaces, is_active=True)
        .select_related("marketplace")
        .defer("raw", "marketplace__config")
        .order_by("-last_seen_at", "-id")[:PREVIEW_SCAN_LIMIT]
    )
    hits = [
        listing
        for listing in rows
        if matching.listing_matches(rules, title=listing.title, price=listing.price, currency=listing.currency, condition=listing.condition)
    ]
    return Preview(
        count=len(hits), scanned=len(rows), examples=[PreviewExample(listing, _why(rules, listing)) for listing in hits[:PREVIEW_EXAMPLES]]
    )


def marketplace_health_for(*, user: Any) -> list[MarketplaceHealth]:
    """The health of the marketplaces the user's searches use (last scrape run, failures)."""
    slugs = set(Marketplace.objects.filter(searches__owner=user).values_list("slug", flat=True))
    if not slugs:
        return []
    try:
        from listings.selectors import marketplace_health as real  # type: ignore[import-not-found]
    except ImportError:
        real = None
    if real is not None:  # pragma: no cover - the catalog engineer's selector, once merged
        return [row for row in real() if getattr(row, "slug", None) in slugs]
    return [row for row in scrape_health_cached() if row.slug in slugs]
