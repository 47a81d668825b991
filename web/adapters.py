"""Two readers the web pages need before their owners' versions land on main.

``search_preview``: now ``searches.selectors.search_preview``, shaped for the template;
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


def search_preview(*, search: Search, marketplaces: list[Marketplace]) -> Preview:
    """How many stored listings an (unsaved) search would match now, with examples and why
    (searches.selectors.search_preview, shaped for the page's template)."""
    from searches.selectors import search_preview as real

    result = real(search_or_rules=matching.rules_for(search), marketplace_ids=[m.pk for m in marketplaces], limit=PREVIEW_EXAMPLES)
    rows = (
        Listing.objects.select_related("marketplace").defer("raw", "marketplace__config").in_bulk([e.listing_id for e in result.examples])
    )
    return Preview(
        count=result.matching,
        scanned=result.scanned,
        examples=[PreviewExample(rows[e.listing_id], e.why) for e in result.examples if e.listing_id in rows],
    )


def marketplace_health_for(*, user: Any) -> list[MarketplaceHealth]:
    """The health of the marketplaces the user's searches use (last scrape run, failures)."""
    slugs = set(Marketplace.objects.filter(searches__owner=user).values_list("slug", flat=True))
    if not slugs:
        return []
    try:
        from listings.selectors import marketplace_health as real
    except ImportError:
        real = None
    if real is not None:  # the catalog engineer's selector: one query for all of them
        ids = list(Marketplace.objects.filter(slug__in=slugs).values_list("pk", flat=True))
        return sorted(real(marketplace_ids=ids).values(), key=lambda row: row.slug)
    return [row for row in scrape_health_cached() if row.slug in slugs]
