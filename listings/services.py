"""Fetching a query, parsing it, and storing what was found."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connections, models, router, transaction
from django.utils import timezone

from core.errors import DomainError
from listings import http, places
from listings.agents import ListingData, ParseContext, ParseError, ParseResult, ScoutQuery, get_agent
from listings.agents.base import Agent, AgentAuthError, BlockedPage, FetchRequest
from listings.kinds import classify_title
from listings.models import Listing, Marketplace, MarketplaceOutage, PriceObservation, ScrapeRun
from listings.normalize import dedupe_key
from listings.validation import listings_check
from monitoring import metrics

logger = logging.getLogger(__name__)

_UPDATABLE_FIELDS = [
    "url", "title", "price", "currency", "condition", "location", "image_url", "seller", "shipping", "raw", "dedupe_key", "kind",
    "latitude", "longitude", "location_country",
]  # fmt: skip


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
    # What a manual check prints: the listings as parsed, and where the time went.
    parsed: list[ListingData] = field(default_factory=list)
    fetch_ms: int | None = None
    parse_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.run.status in (ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY)


# Rows written per transaction. On SQLite a transaction holds the one write lock of the
# file: 250 rows keep every other writer's wait (the API, the scheduler) under a
# second, where a 10,000-row page in one transaction held it for tens of seconds.
UPSERT_BATCH_SIZE = 250


def listing_upsert_bulk(
    *, marketplace: Marketplace, items: list[ListingData], seen_at: datetime, batch_size: int = UPSERT_BATCH_SIZE
) -> UpsertResult:
    """Insert new listings and refresh known ones, recording price changes, in short transactions.

    Each batch of ``batch_size`` listings is one transaction, so no writer waits long for
    the database (SQLite has one write lock). A failure part-way leaves the batches
    before it stored: each is a complete set of listings with their price history.

    Safe when two workers upsert the same listing: inserts ignore conflicts on the
    (marketplace, external_id) constraint and the rows are read back afterwards. Safe
    beside the retention purge, which claims rows with ``SKIP LOCKED`` and re-checks
    ``last_seen_at`` on them: every known listing of the page is first stamped as seen,
    and each batch locks the rows it refreshes before reading them (``FOR UPDATE`` on
    PostgreSQL). So a purge never deletes a listing the scout has seen; one it had
    already deleted before the stamp is inserted again as new.
    """
    by_id: dict[str, ListingData] = {}
    for item in items:
        by_id.setdefault(item.external_id, item)
    result = UpsertResult()
    external_ids = list(by_id)
    batch_size = max(1, batch_size)
    # First mark every known listing of the page as seen (one short UPDATE per batch), so
    # a purge running meanwhile no longer counts them as expired while the batches below
    # work through the page: it deletes none of them, with their history and matches.
    for start in range(0, len(external_ids), batch_size):
        if start:
            _let_other_writers_in()
        Listing.objects.filter(marketplace=marketplace, external_id__in=external_ids[start : start + batch_size]).update(
            last_seen_at=seen_at
        )
    for start in range(0, len(external_ids), batch_size):
        if start:
            _let_other_writers_in()
        batch = {ext_id: by_id[ext_id] for ext_id in external_ids[start : start + batch_size]}
        _upsert_batch(marketplace, batch, seen_at, result)
    return result


# SQLite's busy handler retries a waiting writer every 100 ms at most: a writer that
# takes the lock again at once after each batch would starve it. PostgreSQL locks rows,
# not the database, and needs no pause.
SQLITE_PAUSE_BETWEEN_BATCHES = 0.12


def _let_other_writers_in() -> None:
    if connections[router.db_for_write(Listing)].vendor == "sqlite":
        time.sleep(SQLITE_PAUSE_BETWEEN_BATCHES)


def _upsert_batch(marketplace: Marketplace, by_id: dict[str, ListingData], seen_at: datetime, result: UpsertResult) -> None:
    with transaction.atomic():
        known = Listing.objects.filter(marketplace=marketplace, external_id__in=list(by_id))
        # Locked in id order, as the purge takes them, so the two never deadlock.
        existing = {listing.external_id: listing for listing in known.select_for_update().order_by("pk")}
        Listing.objects.bulk_create(
            [_new_listing(marketplace, data, seen_at) for ext_id, data in by_id.items() if ext_id not in existing],
            ignore_conflicts=True,
            batch_size=500,
        )
        rows = {listing.external_id: listing for listing in known.select_for_update().order_by("pk")}
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
        _listings_refresh(to_update, [*_UPDATABLE_FIELDS, "last_seen_at", "is_active", "sold_estimated_at"])
        PriceObservation.objects.bulk_create(observations, batch_size=500)


def _concrete_field(name: str) -> models.Field[Any, Any]:
    """A field of Listing that is a column of its table."""
    field = Listing._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column, name
    return field


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column, field.name  # a concrete field has one
    return field.column


def _listings_refresh(rows: list[Listing], names: list[str]) -> None:
    """Write these fields of these rows: one prepared UPDATE, executed once per row.

    Django's bulk_update builds a CASE expression per field over every row of the batch:
    seconds of Python per 500 rows, all of it inside the transaction (on SQLite, while
    holding the file's only write lock). A plain UPDATE by primary key, run with
    executemany, does the same work in milliseconds.
    """
    if not rows:
        return
    fields = [_concrete_field(name) for name in names]
    db = router.db_for_write(Listing)
    connection = connections[db]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
    sql = f"UPDATE {quote(Listing._meta.db_table)} SET {assignments} WHERE {quote(_column(_concrete_field('id')))} = %s"  # noqa: S608 - names from _meta
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


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
    location = data.location[:200]
    if location != listing.location or listing.pk is None:
        _locate(listing, location)
    listing.location = location
    listing.image_url = data.image_url[:1000]
    listing.seller = data.seller[:200]
    listing.shipping = data.shipping
    listing.posted_at = listing.posted_at or data.posted_at
    listing.raw = data.raw
    listing.dedupe_key = dedupe_key(title=listing.title, price=data.price, currency=data.currency)
    category = (data.raw or {}).get("category") or (data.raw or {}).get("categoryName")
    listing.kind = classify_title(listing.title, category if isinstance(category, str) else None).kind
    listing.last_seen_at = seen_at
    listing.is_active = True
    # Seen again: it was not sold after all (listings.sold).
    listing.sold_estimated_at = None


def _locate(listing: Listing, location: str) -> None:
    """Coordinates (or only the country) of the listing's place, from the offline gazetteer."""
    place = places.resolve(location) if location else None
    listing.latitude = place.latitude if place else None
    listing.longitude = place.longitude if place else None
    listing.location_country = place.country if place else ""


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
    return Listing.objects.filter(marketplace=marketplace, last_seen_at=previous).update(
        last_seen_at=seen_at, is_active=True, sold_estimated_at=None
    )


def marketplace_scout(*, query: ScoutQuery, trigger: str = ScrapeRun.Trigger.SCOUT) -> ScoutOutcome:
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
    run = ScrapeRun(marketplace=marketplace, trigger=trigger, query=query.text[:500], started_at=timezone.now())
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
        outcome.fetch_ms = int((time.monotonic() - started) * 1000)
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
            parse_started = time.monotonic()
            parsed = _parse_guarded(agent, body, context)
            outcome.parse_ms = int((time.monotonic() - parse_started) * 1000)
            if not parsed.listings and not parsed.no_results:
                raise ParseError(f"{agent.name} found no listings and the page does not say there are none")
            checked = listings_check(parsed.listings)
            outcome.parsed = checked.accepted
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
    """Save the run without the NUL bytes PostgreSQL refuses in text (a page sample or an error can hold them)."""
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


# --- the catalogue: adding and checking marketplaces --------------------------------


def marketplace_create_from_preset(*, preset: str, options: dict[str, str] | None = None, slug: str | None = None) -> Marketplace:
    """Create the Marketplace row a catalogue preset describes (``listings.catalogue``).

    A slug that exists already is a DomainError naming it (adding twice changes nothing),
    as are an unknown preset, an unknown or missing option, and an agent this install
    does not have.
    """
    from listings.agents import agent_names
    from listings.catalogue import preset_build

    spec = preset_build(preset, options or {})
    if spec.agent not in agent_names():
        raise DomainError(f"preset {preset} needs the {spec.agent!r} agent, which this version does not have", field="preset")
    get_agent(spec.agent).check_config(spec.config)  # a DomainError naming the key that cannot work
    slug = (slug or spec.slug).strip()
    marketplace = Marketplace(
        slug=slug,
        name=spec.name,
        agent=spec.agent,
        base_url=spec.base_url,
        default_currency=spec.default_currency,
        country=spec.country,
        requests_per_minute=spec.requests_per_minute,
        config=spec.config,
    )
    try:
        marketplace.full_clean(validate_unique=False)
    except ValidationError as exc:
        field_name, errors = next(iter(exc.message_dict.items()))
        raise DomainError(f"{field_name}: {' '.join(errors)}", field=field_name) from None
    try:
        with transaction.atomic():
            marketplace.save()
    except IntegrityError:
        raise DomainError(
            f"a marketplace with slug {slug!r} exists already; pass --slug to add another", field="slug", code="exists"
        ) from None
    logger.info("marketplace_created", extra={"marketplace": marketplace.slug, "preset": preset, "agent": marketplace.agent})
    return marketplace


DEFAULT_CHECK_QUERY = "camera"
CHECK_SAMPLE = 5


@dataclass
class CheckResult:
    """What ``marketplaces check`` prints and the admin action says."""

    marketplace: Marketplace
    query: str
    run: ScrapeRun
    fetch_ms: int | None
    parse_ms: int | None
    first_listings: list[ListingData]

    @property
    def ok(self) -> bool:
        return self.run.status in (ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY)

    def summary(self) -> str:
        timings = ", ".join(
            f"{label} {value} ms" for label, value in (("fetch", self.fetch_ms), ("parse", self.parse_ms)) if value is not None
        )
        http_status = f"HTTP {self.run.http_status}" if self.run.http_status else "no HTTP answer"
        text = f"{self.marketplace.slug}: {self.run.status} ({http_status}), {self.run.listings_found} listings, {self.run.duration_ms} ms"
        if timings:
            text += f" ({timings})"
        if self.run.http_status == 304:
            text += "; 304 Not Modified: the page is unchanged since the last fetch, so nothing was parsed"
        if self.run.error:
            text += f"; {self.run.error.splitlines()[0][:300]}"
        return text


def marketplace_check(*, marketplace: Marketplace, query: str = "") -> CheckResult:
    """Fetch one real query now, exactly as a scout round does, and say how it went.

    Same path as the scout (``marketplace_scout``: the polite client with its rate limit,
    robots.txt, breaker and address guard; the agent; the upsert), so what it reports is
    what the workers meet. It writes a ScrapeRun marked ``trigger=check``: it is a real
    fetch, and its outcome is real evidence of health (a good check ends an outage; a
    failed one shows on the scrape health page with the page sample), while the mark
    tells the operator who asked. The listings found are stored like any others.
    """
    text = query.strip() or DEFAULT_CHECK_QUERY
    outcome = marketplace_scout(query=ScoutQuery(marketplace_id=marketplace.pk, text=text), trigger=ScrapeRun.Trigger.CHECK)
    logger.info("marketplace_checked", extra={"marketplace": marketplace.slug, "status": outcome.run.status})
    return CheckResult(
        marketplace=marketplace,
        query=text,
        run=outcome.run,
        fetch_ms=outcome.fetch_ms,
        parse_ms=outcome.parse_ms,
        first_listings=outcome.parsed[:CHECK_SAMPLE],
    )


@dataclass
class OutageChanges:
    opened: list[MarketplaceOutage] = field(default_factory=list)
    ended: list[MarketplaceOutage] = field(default_factory=list)


def marketplace_outages_update(*, now: datetime | None = None) -> OutageChanges:
    """Open an outage for each enabled marketplace that is down, end those that work again.

    Down and healthy are ``listings.selectors.marketplace_health``'s (no good run for
    ``MARKETPLACE_OUTAGE_AFTER_HOURS`` while it was being tried; the last run good). A
    marketplace that is degraded, disabled or never run keeps its outage as it is. Safe
    when two workers run it: one open outage per marketplace is a database constraint.
    A constant number of queries.
    """
    from listings.selectors import HealthState, marketplace_health

    now = now or timezone.now()
    enabled = list(Marketplace.objects.filter(enabled=True).values_list("pk", flat=True))
    health = marketplace_health(marketplace_ids=enabled, now=now)
    open_outages = {outage.marketplace_id: outage for outage in MarketplaceOutage.objects.filter(ended_at__isnull=True)}
    changes = OutageChanges()
    to_open = [
        MarketplaceOutage(
            marketplace_id=marketplace_id,
            started_at=state.failing_since or now,
            detected_at=now,
            last_good_at=state.last_good_run_at,
        )
        for marketplace_id, state in health.items()
        if state.state == HealthState.DOWN and marketplace_id not in open_outages
    ]
    if to_open:
        for outage in to_open:
            outage.last_error = health[outage.marketplace_id].last_error
        MarketplaceOutage.objects.bulk_create(to_open, ignore_conflicts=True)
        changes.opened = list(
            MarketplaceOutage.objects.filter(
                ended_at__isnull=True, marketplace_id__in=[outage.marketplace_id for outage in to_open], detected_at=now
            ).select_related("marketplace")
        )
    recovered = [
        outage
        for marketplace_id, outage in open_outages.items()
        if marketplace_id in health and health[marketplace_id].state == HealthState.HEALTHY
    ]
    for outage in recovered:
        outage.ended_at = health[outage.marketplace_id].last_good_run_at or now
    if recovered:
        MarketplaceOutage.objects.bulk_update(recovered, ["ended_at"])
        changes.ended = recovered
    for outage in changes.opened:
        logger.warning("marketplace_outage_opened", extra={"marketplace": outage.marketplace.slug, "since": outage.started_at.isoformat()})
    for outage in changes.ended:
        logger.info("marketplace_outage_ended", extra={"marketplace_id": outage.marketplace_id})
    return changes
