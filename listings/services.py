"""Fetching a query, parsing it, and storing what was found."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from listings import http
from listings.agents import ListingData, ParseContext, ParseError, ScoutQuery, get_agent
from listings.agents.base import BlockedPage
from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun

logger = logging.getLogger(__name__)

_UPDATABLE_FIELDS = ["url", "title", "price", "currency", "condition", "location", "image_url", "seller", "shipping", "raw"]


@dataclass
class PriceChange:
    listing_id: int
    old_price: Decimal | None
    new_price: Decimal


@dataclass
class UpsertResult:
    listings: list[Listing] = field(default_factory=list)
    created_ids: set[int] = field(default_factory=set)
    price_changes: list[PriceChange] = field(default_factory=list)


@dataclass
class ScoutOutcome:
    run: ScrapeRun
    upsert: UpsertResult = field(default_factory=UpsertResult)

    @property
    def ok(self) -> bool:
        return self.run.status in (ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY)


def listing_upsert_bulk(*, marketplace: Marketplace, items: list[ListingData], seen_at: datetime) -> UpsertResult:
    """Insert new listings and refresh known ones in a few queries, recording price changes.

    Safe when two workers upsert the same listing: inserts ignore conflicts on the
    (marketplace, external_id) constraint and the rows are read back afterwards.
    """
    by_id: dict[str, ListingData] = {}
    for item in items:
        by_id.setdefault(item.external_id, item)
    if not by_id:
        return UpsertResult()

    result = UpsertResult()
    with transaction.atomic():
        existing = {
            listing.external_id: listing for listing in Listing.objects.filter(marketplace=marketplace, external_id__in=list(by_id))
        }
        Listing.objects.bulk_create(
            [_new_listing(marketplace, data, seen_at) for ext_id, data in by_id.items() if ext_id not in existing],
            ignore_conflicts=True,
            batch_size=500,
        )
        rows = {listing.external_id: listing for listing in Listing.objects.filter(marketplace=marketplace, external_id__in=list(by_id))}
        observations: list[PriceObservation] = []
        to_update: list[Listing] = []
        for ext_id, listing in rows.items():
            data = by_id[ext_id]
            if ext_id not in existing:
                result.created_ids.add(listing.pk)
                if listing.price is not None:
                    observations.append(
                        PriceObservation(listing=listing, price=listing.price, currency=listing.currency, observed_at=seen_at)
                    )
            else:
                old_price = listing.price
                _apply(listing, data, seen_at)
                to_update.append(listing)
                if data.price is not None and data.price != old_price:
                    observations.append(PriceObservation(listing=listing, price=data.price, currency=listing.currency, observed_at=seen_at))
                    result.price_changes.append(PriceChange(listing.pk, old_price, data.price))
            result.listings.append(listing)
        Listing.objects.bulk_update(to_update, [*_UPDATABLE_FIELDS, "last_seen_at", "is_active"], batch_size=500)
        PriceObservation.objects.bulk_create(observations, batch_size=500)
    return result


def _new_listing(marketplace: Marketplace, data: ListingData, seen_at: datetime) -> Listing:
    listing = Listing(marketplace=marketplace, external_id=data.external_id, first_seen_at=seen_at)
    _apply(listing, data, seen_at)
    return listing


def _apply(listing: Listing, data: ListingData, seen_at: datetime) -> None:
    listing.url = data.url[:1000]
    listing.title = data.title[:500]
    listing.price = data.price
    listing.currency = data.currency
    listing.condition = data.condition
    listing.location = data.location[:200]
    listing.image_url = data.image_url[:1000]
    listing.seller = data.seller[:200]
    listing.shipping = data.shipping
    listing.posted_at = listing.posted_at or data.posted_at
    listing.raw = data.raw
    listing.last_seen_at = seen_at
    listing.is_active = True


def marketplace_scout(*, query: ScoutQuery) -> ScoutOutcome:
    """Fetch one query on its marketplace, parse it and upsert the listings.

    Every outcome is a ScrapeRun row. A failure (network, HTTP, parse) writes nothing
    but that row, and never raises: one broken site must not kill the worker.
    """
    marketplace = Marketplace.objects.get(pk=query.marketplace_id)
    agent = get_agent(marketplace.agent)
    request = agent.build_request(query, base_url=marketplace.base_url, config=marketplace.config)
    run = ScrapeRun(marketplace=marketplace, query=query.text[:500], url=request.url[:1000], started_at=timezone.now())
    started = time.monotonic()
    outcome = ScoutOutcome(run=run)
    try:
        response = http.fetch(
            request.url,
            marketplace_slug=marketplace.slug,
            params=request.params,
            headers=request.headers,
            allow_private=marketplace.allow_private_network,
        )
        run.http_status = response.status_code
        run.url = response.url[:1000]
        parsed = agent.parse(
            response.body,
            ParseContext(url=response.url, default_currency=marketplace.default_currency, config=marketplace.config),
        )
        run.listings_found = len(parsed.listings)
        upsert = listing_upsert_bulk(marketplace=marketplace, items=parsed.listings, seen_at=run.started_at)
        outcome.upsert = upsert
        run.listings_created = len(upsert.created_ids)
        run.listings_updated = len(upsert.listings) - len(upsert.created_ids)
        run.price_changes = len(upsert.price_changes)
        run.status = ScrapeRun.Status.OK if parsed.listings else ScrapeRun.Status.EMPTY
    except http.FetchError as exc:
        run.status = exc.status
        run.http_status = exc.http_status or run.http_status
        run.error = str(exc)
    except BlockedPage as exc:
        run.status = ScrapeRun.Status.BLOCKED
        run.error = str(exc)
    except ParseError as exc:
        run.status = ScrapeRun.Status.PARSE_ERROR
        run.error = str(exc)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save()
    logger.info(
        "scrape_finished",
        extra={
            "marketplace": marketplace.slug,
            "status": run.status,
            "listings_found": run.listings_found,
            "listings_created": run.listings_created,
            "duration_ms": run.duration_ms,
        },
    )
    return outcome


def marketplaces_set_enabled(*, marketplace_ids: list[int], enabled: bool) -> int:
    """Switch marketplaces on or off (the operator console's actions); returns how many changed.

    A disabled marketplace is skipped by the dispatcher and by "run now"; its listings stay.
    """
    changed = Marketplace.objects.filter(pk__in=marketplace_ids).exclude(enabled=enabled).update(enabled=enabled)
    logger.info("marketplaces_set_enabled", extra={"enabled": enabled, "count": changed})
    return changed
