"""Retention for what `listings` owns: listings no longer seen, and scrape runs.

`listings` knows nothing of users, so it cannot know which listings someone saved;
the apps that do register *keep rules* with the retention registry (searches keeps
saved listings), and this purge deletes only what no rule keeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.personal_data import register_scrubber
from accounts.retention import PurgeContext, delete_in_batches, register_purger, without_kept
from listings.models import Listing, ScrapeRun

# Scrape runs answer "is this marketplace healthy lately?"; two weeks covers any
# incident review, and they hold the query words people typed.
SCRAPE_RUN_RETENTION_DAYS = 14


def expired_listings(*, now: datetime) -> QuerySet[Listing]:
    """Listings not seen for LISTING_RETENTION_DAYS, minus those another app keeps.

    "No longer active" is "not seen within the retention period" (the sold-estimate job
    also makes listings inactive, but their age counts from last seen all the same); a
    listing seen again is active again.
    """
    cutoff = now - timedelta(days=settings.LISTING_RETENTION_DAYS)
    return without_kept(Listing.objects.filter(last_seen_at__lt=cutoff))


@register_purger("listings")
def purge_listings(context: PurgeContext) -> dict[str, int]:
    """Expired listings with their price history, matches and alerts (cascade)."""
    return delete_in_batches(expired_listings(now=context.now), kind="listings", context=context)


@register_purger("scrape_runs")
def purge_scrape_runs(context: PurgeContext) -> dict[str, int]:
    cutoff = context.now - timedelta(days=SCRAPE_RUN_RETENTION_DAYS)
    return delete_in_batches(ScrapeRun.objects.filter(started_at__lt=cutoff), kind="scrape_runs", context=context)


@register_scrubber("scrape_runs")
def scrub_scrape_runs(*, texts: list[str]) -> int:
    """A scrape run records the query it fetched, which a person typed: blank it on erasure."""
    match = Q()
    for text in texts:
        for form in {text, quote(text), quote_plus(text)}:
            match |= Q(query__icontains=form) | Q(url__icontains=form) | Q(error__icontains=form)
    if not match:
        return 0
    return ScrapeRun.objects.filter(match).update(query="", url="", error="")
