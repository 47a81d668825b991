"""Fetching a query, parsing it, and storing what was found."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from core.errors import DomainError
from listings import http
from listings.agents import ListingData, ParseContext, ParseError, ParseResult, ScoutQuery, get_agent
from listings.agents.base import Agent, AgentAuthError, BlockedPage, FetchRequest
from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun
from listings.normalize import dedupe_key
from listings.validation import listings_check
from monitoring import metrics

logger = logging.getLogger(__name__)

_UPDATABLE_FIELDS = ["url", "title", "price", "currency", "condition", "location", "image_url", "seller", "shipping", "raw", "dedupe_key"]


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
    listing.dedupe_key = dedupe_key(title=listing.title, price=data.price, currency=data.currency)
    listing.last_seen_at = seen_at
    listing.is_active = True


PARSE_SAMPLE_CHARS = 1500
REJECTION_SAMPLE = 10


def listings_touch_unchanged(*, marketplace: Marketplace, query_text: str, seen_at: datetime) -> int:
    """Mark the listings of the last good fetch of this query as seen again (a 304 answer).

    An upsert stamps ``last_seen_at`` with its run's start, so the listings that fetch
    returned are exactly those still carrying that stamp (a later sighting elsewhere
    only moves theirs on). Returns how many were touched.
    """
    previous = (
        ScrapeRun.objects.filter(marketplace=marketplace, query=query_text, status=ScrapeRun.Status.OK, started_at__lt=seen_at)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    if previous is None:
        return 0
    return Listing.objects.filter(marketplace=marketplace, last_seen_at=previous).update(last_seen_at=seen_at, is_active=True)


def marketplace_scout(*, query: ScoutQuery) -> ScoutOutcome:
    """Fetch one query on its marketplace, parse it, check and upsert the listings.

    Every call writes exactly one ScrapeRun whose status says what happened (ok, empty,
    blocked, rate_limited, http_error, timeout, parse_error, skipped, failed), and never
    raises: one broken site, one hostile page or one refused insert must not kill the
    worker. A page that parses to nothing without saying "no results" is a parse error,
    with a sample of the page kept on the row for the operator. Listings that
    ``listings.validation`` refuses are counted (``rows_rejected``, with reasons) and the
    rest of the page is stored. A database error while storing is a ``failed`` run with
    its reason. The page's ETag/Last-Modified are kept only when it parsed to listings
    or to an explicit "no results".
    """
    marketplace = Marketplace.objects.get(pk=query.marketplace_id)
    run = ScrapeRun(marketplace=marketplace, query=query.text[:500], started_at=timezone.now())
    started = time.monotonic()
    outcome = ScoutOutcome(run=run)
    body = b""
    agent_name = marketplace.agent
    client: http.PoliteClient | None = None
    response: http.FetchResponse | None = None
    try:
        agent = get_agent(marketplace.agent)
        agent.check_config(marketplace.config or {})
        request = agent.build_request(query, base_url=marketplace.base_url, config=marketplace.config)
        run.url = request.url[:1000]
        if not marketplace.enabled:
            raise http.FetchError(f"marketplace {marketplace.slug} is disabled", status=ScrapeRun.Status.SKIPPED)
        client = http.client_for(marketplace, obey_robots_txt=agent.obeys_robots_txt)
        response = _fetch_authenticated(agent, client, request, marketplace.config)
        run.http_status = response.status_code
        run.url = response.url[:1000]
        if response.not_modified:
            # 304: the page is what it was, so nothing to parse; its listings are still
            # there, though, and must count as seen (retention purges unseen listings).
            run.status = ScrapeRun.Status.OK
            run.listings_updated = listings_touch_unchanged(marketplace=marketplace, query_text=run.query, seen_at=run.started_at)
        else:
            body = response.body
            context = ParseContext(
                url=response.url,
                default_currency=marketplace.default_currency,
                config=marketplace.config,
                encoding=response.encoding,
                fetched_at=run.started_at,
            )
            parsed = _parse_guarded(agent, body, context)
            if not parsed.listings and not parsed.no_results:
                raise ParseError(f"{agent.name} found no listings and the page does not say there are none")
            checked = listings_check(parsed.listings)
            run.listings_found = len(checked.accepted)
            run.rows_rejected = len(checked.rejected)
            run.rejections = [rejection.to_json() for rejection in checked.rejected[:REJECTION_SAMPLE]]
            if checked.rejected:
                logger.warning(
                    "scrape_rows_rejected",
                    extra={"marketplace": marketplace.slug, "count": len(checked.rejected), "first": checked.rejected[0].reason},
                )
            if parsed.listings and not checked.accepted:
                raise ParseError(f"all {len(checked.rejected)} listings on the page were refused: {checked.rejected[0].reason}")
            run.status = ScrapeRun.Status.OK if checked.accepted else ScrapeRun.Status.EMPTY
            client.validators_keep(response)
            try:
                upsert = listing_upsert_bulk(marketplace=marketplace, items=checked.accepted, seen_at=run.started_at)
            except DatabaseError as exc:
                logger.exception("scrape_store_failed", extra={"marketplace": marketplace.slug})
                client.validators_forget(response)  # refetch the whole page next round
                run.status = ScrapeRun.Status.FAILED
                run.error = f"storing the listings failed: {type(exc).__name__}: {str(exc)[:500]}"
            else:
                outcome.upsert = upsert
                run.listings_created = len(upsert.created_ids)
                run.listings_updated = len(upsert.listings) - len(upsert.created_ids)
                run.price_changes = len(upsert.price_changes)
    except http.FetchError as exc:
        run.status = exc.status
        run.http_status = exc.http_status or run.http_status
        run.error = str(exc)
    except AgentAuthError as exc:
        run.status = ScrapeRun.Status.SKIPPED
        run.error = str(exc)
    except DomainError as exc:  # the marketplace row's config cannot work (a selectors config, say)
        run.status = ScrapeRun.Status.FAILED
        run.error = f"marketplace config: {exc.message}"
    except BlockedPage as exc:
        run.status = ScrapeRun.Status.BLOCKED
        run.error = str(exc)
        _forget_validators(client, response)
    except ParseError as exc:
        run.status = ScrapeRun.Status.PARSE_ERROR
        sample = body[:PARSE_SAMPLE_CHARS].decode("utf-8", errors="replace").replace("\x00", "")
        run.error = f"{exc}\n--- first {len(sample)} characters of the page ---\n{sample}"
        _forget_validators(client, response)
        logger.warning(
            "scrape_parse_error",
            extra={"marketplace": marketplace.slug, "agent": agent_name, "url": run.url, "error": str(exc), "sample": sample[:500]},
        )
    except Exception as exc:  # noqa: BLE001 - the one run row must be written whatever broke
        logger.exception("scrape_crashed", extra={"marketplace": marketplace.slug, "agent": agent_name})
        run.status = ScrapeRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {str(exc)[:500]}"
        _forget_validators(client, response)
    run.duration_ms = int((time.monotonic() - started) * 1000)
    _run_save(run)
    _record_metrics(marketplace.slug, run)
    logger.info(
        "scrape_finished",
        extra={
            "marketplace": marketplace.slug,
            "status": run.status,
            "http_status": run.http_status,
            "listings_found": run.listings_found,
            "listings_created": run.listings_created,
            "rows_rejected": run.rows_rejected,
            "duration_ms": run.duration_ms,
        },
    )
    return outcome


def _forget_validators(client: http.PoliteClient | None, response: http.FetchResponse | None) -> None:
    if client is not None and response is not None:
        client.validators_forget(response)


def _run_save(run: ScrapeRun) -> None:
    """Save the run; text the database refuses (a NUL byte in an error) is cleaned and retried once."""
    run.error = run.error.replace("\x00", "")
    run.query = run.query.replace("\x00", "")
    run.url = run.url.replace("\x00", "")
    run.save()


def _parse_guarded(agent: Agent, body: bytes, context: ParseContext) -> ParseResult:
    """Parse; an agent that crashes on an odd page is a parse error, not a dead worker."""
    try:
        return agent.parse(body, context)
    except ParseError:
        raise
    except Exception as exc:
        logger.exception("agent_crashed", extra={"agent": agent.name, "url": context.url})
        raise ParseError(f"the {agent.name} agent failed on this page: {type(exc).__name__}: {exc}") from exc


def _fetch_authenticated(agent: Agent, client: http.PoliteClient, request: FetchRequest, config: dict[str, Any]) -> http.FetchResponse:
    """GET the request with the agent's credentials; on a 401, refresh them once and retry."""
    headers = {**request.headers, **agent.auth_headers(client=client, config=config)}
    try:
        return client.get(request.url, params=request.params, headers=headers)
    except http.FetchError as exc:
        if exc.http_status != 401 or headers == request.headers:
            raise
    headers = {**request.headers, **agent.auth_headers(client=client, config=config, refresh=True)}
    return client.get(request.url, params=request.params, headers=headers)


def _record_metrics(slug: str, run: ScrapeRun) -> None:
    metrics.marketplace_scrapes_total.labels(marketplace=slug, status=run.status).inc()
    if run.listings_found:
        metrics.marketplace_listings_scraped_total.labels(marketplace=slug).inc(run.listings_found)
    metrics.marketplace_scrape_duration_seconds.labels(marketplace=slug).observe(run.duration_ms / 1000)


def marketplaces_set_enabled(*, marketplace_ids: list[int], enabled: bool) -> int:
    """Switch marketplaces on or off (the operator console's actions); returns how many changed.

    A disabled marketplace is skipped by the dispatcher and by "run now"; its listings stay.
    """
    changed = Marketplace.objects.filter(pk__in=marketplace_ids).exclude(enabled=enabled).update(enabled=enabled)
    logger.info("marketplaces_set_enabled", extra={"enabled": enabled, "count": changed})
    return changed
