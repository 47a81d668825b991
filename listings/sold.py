"""Sold-price estimates: a listing that vanishes within days of appearing was probably sold.

Marketplaces do not tell us what sold (eBay's sold search needs the Marketplace
Insights API, which is restricted), but a listing that disappears from its searches
a few days after it appeared, while the marketplace itself keeps answering, most often
found a buyer at (or near) its last price. Such a listing is marked with
``sold_estimated_at`` (the last time it was seen) and made inactive; its last price is
then a sold-price estimate that the market value weighs more than an asking price
(searches.scoring).

A listing on sale longer than ``SOLD_MAX_LISTED_DAYS`` that vanishes was more likely
withdrawn or expired unsold: it is not marked. The rule needs the marketplace to have
been scraped successfully after the listing was last seen, so a dead marketplace (or a
broken parser) does not turn its whole catalogue into "sold". A search that was paused
stops seeing its listings too; the marketplace check cannot tell that apart, which is
why these are estimates, labelled as such wherever they are shown.

Sold estimates are listings like any other for retention: purged
``LISTING_RETENTION_DAYS`` after they were last seen.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef

from listings.models import Listing, ScrapeRun

logger = logging.getLogger(__name__)


def listings_mark_probably_sold(*, now: datetime) -> int:
    """Mark the listings that vanished soon after they appeared; returns how many."""
    unseen_since = now - timedelta(days=settings.SOLD_AFTER_UNSEEN_DAYS)
    scraped_after = ScrapeRun.objects.filter(
        marketplace=OuterRef("marketplace"),
        status__in=[ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY],
        started_at__gt=OuterRef("last_seen_at"),
    )
    candidates = (
        Listing.objects.filter(is_active=True, sold_estimated_at__isnull=True, price__isnull=False, last_seen_at__lt=unseen_since)
        .filter(last_seen_at__lt=F("first_seen_at") + timedelta(days=settings.SOLD_MAX_LISTED_DAYS))
        .filter(Exists(scraped_after))
    )
    marked = candidates.update(sold_estimated_at=F("last_seen_at"), is_active=False)
    logger.info("listings_marked_probably_sold", extra={"count": marked})
    return marked
