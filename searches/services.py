"""The scouting loop: claim due searches, scout each distinct query once, match, alert."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.services import AlertEvent, alerts_notify
from core.errors import DomainError
from listings.agents import ScoutQuery, get_agent
from listings.models import Listing, Marketplace
from listings.services import ScoutOutcome, UpsertResult, marketplace_scout
from searches import matching, scoring, selectors
from searches.aliases import alias_table
from searches.models import Match, Search
from searches.query import AliasTable
from searches.query import parse as parse_query

logger = logging.getLogger(__name__)

COMPARABLES_WINDOW = selectors.MARKET_WINDOW
CLAIM_BATCH = 5000


@dataclass
class DispatchResult:
    claimed: int
    groups: dict[ScoutQuery, list[int]]


def scout_query_for(search: Search, marketplace_id: int, agent_name: str) -> ScoutQuery:
    """The ScoutQuery a search needs on one marketplace: only server-side filters count."""
    filters = get_agent(agent_name).server_side_filters
    return ScoutQuery(
        marketplace_id=marketplace_id,
        text=matching.normalized_query(search.query),
        min_price=search.min_price if "min_price" in filters else None,
        max_price=search.max_price if "max_price" in filters else None,
        currency=search.currency if "currency" in filters else "",
        condition=search.condition if "condition" in filters and search.condition != "any" else "",
    )


def searches_claim_due(*, now: datetime, limit: int = CLAIM_BATCH) -> list[Search]:
    """Claim the due searches and move their next run on, in one transaction.

    ``skip_locked`` makes a second dispatcher on PostgreSQL pass over rows the first
    has locked instead of waiting for them; once the first commits, the rows are no
    longer due. On SQLite, IMMEDIATE transactions serialize the two dispatchers.
    """
    with transaction.atomic():
        due = list(
            Search.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_active=True, next_run_at__lte=now, owner__is_active=True)
            .order_by("next_run_at")
            .only("id", "interval_minutes")[:limit]
        )
        by_interval: dict[int, list[int]] = defaultdict(list)
        for search in due:
            by_interval[search.interval_minutes].append(search.pk)
        for interval, ids in by_interval.items():
            Search.objects.filter(pk__in=ids).update(next_run_at=now + timedelta(minutes=interval), last_run_at=now)
    return due


def group_by_scout_query(search_ids: list[int]) -> dict[ScoutQuery, list[int]]:
    groups: dict[ScoutQuery, list[int]] = defaultdict(list)
    searches = Search.objects.filter(pk__in=search_ids).prefetch_related("marketplaces")
    for search in searches:
        for marketplace in search.marketplaces.all():
            if marketplace.enabled:
                groups[scout_query_for(search, marketplace.pk, marketplace.agent)].append(search.pk)
    return dict(groups)


def dispatch_due(*, now: datetime | None = None) -> DispatchResult:
    """Claim due searches and queue one ``scout`` task per distinct ScoutQuery."""
    from django_q.tasks import async_task

    now = now or timezone.now()
    claimed = searches_claim_due(now=now)
    groups = group_by_scout_query([search.pk for search in claimed])

    def queue() -> None:
        for query, ids in groups.items():
            async_task("searches.tasks.scout", query.to_dict(), ids, task_name=f"scout:{query.key()}", group="scout")

    transaction.on_commit(queue)
    logger.info("dispatch_finished", extra={"claimed": len(claimed), "scouts_queued": len(groups)})
    return DispatchResult(claimed=len(claimed), groups=groups)


@dataclass
class ScoutGroupResult:
    outcome: ScoutOutcome
    new_matches: list[Match] = field(default_factory=list)
    events: list[AlertEvent] = field(default_factory=list)


def scout_group_run(*, query: ScoutQuery, search_ids: list[int]) -> ScoutGroupResult:
    """Scout one query, then let each search of the group match what was found."""
    outcome = marketplace_scout(query=query)
    result = ScoutGroupResult(outcome=outcome)
    if not outcome.ok or not outcome.upsert.listings:
        return result
    searches = Search.objects.filter(pk__in=search_ids, is_active=True).select_related("owner")
    # Each title is normalized and classified once for the whole group, not once per search.
    prepared = {listing.pk: matching.prepare(listing.title) for listing in outcome.upsert.listings}
    aliases = alias_table()
    with transaction.atomic():
        for search in searches:
            matches, events = search_apply_scout(search=search, upsert=outcome.upsert, prepared=prepared, aliases=aliases)
            result.new_matches.extend(matches)
            result.events.extend(events)
        alerts_notify(events=result.events)
    return result


def search_apply_scout(
    *,
    search: Search,
    upsert: UpsertResult,
    prepared: dict[int, matching.PreparedTitle] | None = None,
    aliases: AliasTable | None = None,
) -> tuple[list[Match], list[AlertEvent]]:
    """Match a scout's listings against one search; return new matches and alert events.

    ``prepared`` holds the group's titles already normalized (scout_group_run makes it once).
    """
    rules = matching.rules_for(search, aliases=aliases)
    prepared = prepared or {}
    candidates = [
        listing
        for listing in upsert.listings
        if matching.listing_matches(
            rules,
            title=prepared.get(listing.pk) or matching.prepare(listing.title),
            price=listing.price,
            currency=listing.currency,
            condition=listing.condition,
        )
    ]
    if not candidates:
        return [], []
    existing = {match.listing_id: match for match in Match.objects.filter(search=search, listing__in=candidates)}
    fresh = [listing for listing in candidates if listing.pk not in existing]
    keys = {listing.dedupe_key for listing in fresh if listing.dedupe_key}
    matched_keys = set(
        Match.objects.filter(search=search, listing__dedupe_key__in=keys).values_list("listing__dedupe_key", flat=True) if keys else []
    )
    fresh = matching.drop_duplicates(fresh, already_matched_keys=matched_keys)
    events: list[AlertEvent] = []

    new_matches: list[Match] = []
    if fresh:
        market = scoring.market_value(_comparable_prices(search, extra=fresh))
        for listing in fresh:
            score = scoring.deal_score(listing.price, market, listing.currency)
            new_matches.append(
                Match(
                    search=search,
                    listing=listing,
                    deal_score=score.score if score else None,
                    score_explanation=score.explanation if score else "",
                    reference_price=listing.price,
                )
            )
        Match.objects.bulk_create(new_matches, ignore_conflicts=True)
        if search.alert_on_new:
            for match in new_matches:
                if search.min_deal_score is None or (match.deal_score is not None and match.deal_score >= search.min_deal_score):
                    events.append(AlertEvent.new_listing(search=search, listing=match.listing, match=match))

    if search.alert_on_price_drop:
        events.extend(_price_drop_events(search, upsert, existing))
    return new_matches, events


def _price_drop_events(search: Search, upsert: UpsertResult, existing: dict[int, Match]) -> list[AlertEvent]:
    changed = {change.listing_id: change for change in upsert.price_changes}
    listings = {listing.pk: listing for listing in upsert.listings}
    events = []
    to_update = []
    factor = 1 - search.price_drop_percent / Decimal(100)
    for listing_id, match in existing.items():
        change = changed.get(listing_id)
        if change is None or match.dismissed or match.reference_price is None:
            continue
        if change.new_price <= (match.reference_price * factor).quantize(Decimal("0.01")):
            match.reference_price = change.new_price
            to_update.append(match)
            events.append(AlertEvent.price_drop(search=search, listing=listings[listing_id], match=match))
    Match.objects.bulk_update(to_update, ["reference_price"])
    return events


def _comparable_prices(search: Search, *, extra: list[Listing]) -> list[Decimal]:
    prices = selectors.search_comparable_prices(search=search)
    for listing in extra:
        if listing.currency == search.currency and listing.price is not None:
            prices[listing.pk] = listing.price
    return list(prices.values())


# --- Actions on one search (the API, the web pages and the admin call these) -----------

# What a person may set on a search (the API's serializer and the web form both pass these).
SEARCH_FIELDS = (
    "name",
    "query",
    "excluded_terms",
    "min_price",
    "max_price",
    "currency",
    "condition",
    "include_accessories",
    "location",
    "radius_km",
    "interval_minutes",
    "is_active",
    "alert_on_new",
    "alert_on_price_drop",
    "price_drop_percent",
    "min_deal_score",
)


def _search_check(search: Search, marketplaces: list[Marketplace] | None) -> None:
    # A query that does not parse is a 400 naming the problem (QuerySyntaxError is a DomainError).
    parse_query(search.query, strict=True)
    if search.min_price is not None and search.max_price is not None and search.min_price > search.max_price:
        raise DomainError("must not exceed max_price", field="min_price")
    if marketplaces is not None:
        if not marketplaces:
            raise DomainError("Choose at least one marketplace.", field="marketplaces")
        disabled = [market.slug for market in marketplaces if not market.enabled]
        if disabled:
            raise DomainError(f"Marketplace {disabled[0]!r} is not enabled.", field="marketplaces")
    try:
        search.full_clean(exclude=["owner"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=None if field == NON_FIELD_ERRORS else field) from None


@transaction.atomic
def search_create(*, owner: Any, marketplaces: list[Marketplace], **fields: Any) -> Search:
    """Save a new search for its owner, due at once."""
    unknown = set(fields) - set(SEARCH_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]!r}.")
    search = Search(owner=owner, **fields)
    _search_check(search, list(marketplaces))
    search.save()
    search.marketplaces.set(marketplaces)
    logger.info("search_created", extra={"search_id": search.pk, "user_id": owner.pk})
    return search


@transaction.atomic
def search_update(*, search: Search, marketplaces: list[Marketplace] | None = None, **fields: Any) -> Search:
    """Change what is given; the rules are those of search_create."""
    unknown = set(fields) - set(SEARCH_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]!r}.")
    for name, value in fields.items():
        setattr(search, name, value)
    _search_check(search, None if marketplaces is None else list(marketplaces))
    search.save()
    if marketplaces is not None:
        search.marketplaces.set(marketplaces)
    logger.info("search_updated", extra={"search_id": search.pk})
    return search


def search_delete(*, search: Search) -> None:
    """Delete a search with its matches and alerts (the listings stay: others may match them)."""
    search_id = search.pk
    search.delete()
    logger.info("search_deleted", extra={"search_id": search_id})


def search_run_now(*, search: Search) -> list[ScoutQuery]:
    """Queue a scout of this search on each of its enabled marketplaces, after commit.

    The scout task runs the same loop as the dispatcher, for this search alone; its
    schedule (next_run_at) is left as it was.
    """
    from django_q.tasks import async_task

    if not search.is_active:
        raise DomainError("This search is paused; resume it before running it.", code="search_paused")
    queries = [scout_query_for(search, market.pk, market.agent) for market in search.marketplaces.all() if market.enabled]
    if not queries:
        raise DomainError("None of this search's marketplaces is enabled.", code="no_marketplace")

    def queue() -> None:
        for query in queries:
            async_task("searches.tasks.scout", query.to_dict(), [search.pk], task_name=f"scout-now:{query.key()}", group="scout")

    transaction.on_commit(queue)
    logger.info("search_run_queued", extra={"search_id": search.pk, "scouts_queued": len(queries)})
    return queries


def search_pause(*, search: Search) -> Search:
    """Stop scheduling a search; its matches and alerts stay."""
    if search.is_active:
        search.is_active = False
        search.save(update_fields=["is_active", "updated_at"])
        logger.info("search_paused", extra={"search_id": search.pk})
    return search


def search_resume(*, search: Search) -> Search:
    """Schedule a paused search again, due at once."""
    if not search.is_active:
        search.is_active = True
        search.next_run_at = timezone.now()
        search.save(update_fields=["is_active", "next_run_at", "updated_at"])
        logger.info("search_resumed", extra={"search_id": search.pk})
    return search


def searches_set_active(*, search_ids: list[int], active: bool) -> int:
    """Pause or resume many searches (the admin's bulk actions); returns how many changed."""
    changed = 0
    for search in Search.objects.filter(pk__in=search_ids, is_active=not active):
        (search_resume if active else search_pause)(search=search)
        changed += 1
    return changed


def match_set_saved(*, match: Match, saved: bool) -> Match:
    """Keep (or stop keeping) a matched listing; saved listings outlive the retention period."""
    if match.saved != saved:
        match.saved = saved
        match.save(update_fields=["saved"])
    return match


def match_dismiss(*, match: Match) -> Match:
    """Hide a matched listing from the owner's lists and stop its price-drop alerts."""
    if not match.dismissed:
        match.dismissed = True
        match.save(update_fields=["dismissed"])
    return match
