"""What `listings` tells the monitoring floor (discovered by monitoring.hooks)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone

from listings.models import Listing, Marketplace, ScrapeRun
from monitoring.hooks import register_gauge, register_known_labels


@register_gauge("listings_seen_last_24h", "Listings first seen in the last 24 hours.")
def listings_seen_last_24h() -> float:
    return Listing.objects.filter(first_seen_at__gte=timezone.now() - timedelta(hours=24)).count()


def _slugs() -> list[str]:
    return list(Marketplace.objects.filter(enabled=True).values_list("slug", flat=True))


@register_known_labels("marketplace_scrapes_total")
def scrape_labels() -> Iterator[dict[str, str]]:
    for slug in _slugs():
        for status in ScrapeRun.Status.values:
            yield {"marketplace": slug, "status": status}


@register_known_labels("marketplace_listings_scraped_total")
@register_known_labels("marketplace_scrape_duration_seconds")
def marketplace_labels() -> Iterator[dict[str, str]]:
    for slug in _slugs():
        yield {"marketplace": slug}
