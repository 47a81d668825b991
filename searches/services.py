"""The scouting loop: claim due searches, scout each distinct query once, match, alert."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.services import AlertEvent, alerts_notify
from core import taskqueue
from core.cache import CACHE_ERRORS
from core.errors import DomainError
from core.usercache import user_views_forget
from listings import places
from listings.agents import ScoutQuery, get_agent
from listings.models import Listing, Marketplace
from listings.money import Rates, current_rates
from listings.services import ScoutOutcome, UpsertResult, marketplace_scout
from monitoring import metrics
from searches import geo, matching, money, queue_order, scoring, selectors
from searches.aliases import alias_table
from searches.models import Match, Search
from searches.query import AliasTable
from searches.query import parse as parse_query

logger = logging.getLogger(__name__)

COMPARABLES_WINDOW = selectors.MARKET_WINDOW
# Searches claimed per transaction: short locks, bounded memory per batch. Not a ceiling:
# dispatch_due claims batch after batch until nothing is due or its time budget is spent.
CLAIM_BATCH = 5000
# A tick's claiming stops after this long and hands the rest to a follow-up dispatch task,
# so that the next tick never finds its predecessor still running (the schedule fires
# every 60 s) and the work is shared by whichever cluster picks the follow-up up.
DISPATCH_BUDGET_SECONDS = 40.0
# What queueing one scout costs, before a tick has measured it (then: the last tick's figure);
# measured at 0.7 ms with the bulk UPDATE that follows (bench/scale.py, 10,000 scouts).
ENQUEUE_SECONDS_PER_GROUP_FLOOR = 0.0005
_enqueue_seconds_per_group = 0.001


@dataclass
class DispatchResult:
    claimed: int
    groups: dict[ScoutQuery, list[int]]
    batches: int = 0
    handed_over: bool = False


def scout_query_for(search: Search, marketplace_id: int, agent_name: str) -> ScoutQuery:
    """The ScoutQuery a search needs on one marketplace: only server-side filters count."""
    agent = get_agent(agent_name)
    filters = agent.server_side_filters
    return ScoutQuery(
        marketplace_id=marketplace_id,
        text=matching.normalized_query(search.query),
        min_price=search.min_price if "min_price" in filters else None,
        max_price=search.max_price if "max_price" in filters else None,
        currency=search.currency if "currency" in filters else "",
        condition=search.condition if "condition" in filters and search.condition != "any" else "",
        **_place_filters(search, agent.place_filters),
    )


def _place_filters(search: Search, wanted: frozenset[str]) -> dict[str, Any]:
    """The search's place, as far as the agent's site can search around it.

    A site that searches around a postal code gets nothing without one (a German town
    has none here): asking it for the whole country would only be the default anyway.
    """
    if not wanted or search.latitude is None:
        return {}
    fields: dict[str, Any] = {
        "country": search.location_country,
        "postal_code": search.location_postal_code,
        "city": place.city if (place := places.resolve(search.location)) else "",
        "latitude": search.latitude,
        "longitude": search.longitude,
        "radius_km": search.radius_km,
    }
    if "postal_code" in wanted and "city" not in wanted and not search.location_postal_code:
        wanted = wanted & {"country"}
    return {name: value for name, value in fields.items() if name in wanted}


def claim_lease() -> timedelta:
    """How long a search waits for its running scout before it is due again.

    The Redis broker pops a task off its list: a worker killed mid-scout (OOM, a pod
    evicted, kill -9) takes it along, and nothing retries it. So a scout, when it starts,
    moves its searches' next run to this lease (searches_scout_started); when it finishes,
    on by their interval. (The claim holds them for the lease too, until the dispatcher has
    queued their scouts; then for a whole interval: a task that waits in a long queue is
    not queued twice.)
    A scout that never finishes leaves the search due again once the lease is over, and
    the next dispatch queues it again. Longer than a task may run (Q_TIMEOUT) plus a margin.
    """
    return timedelta(seconds=settings.SCOUT_CLAIM_LEASE_SECONDS)


def searches_claim_due(*, now: datetime, limit: int = CLAIM_BATCH) -> list[Search]:
    """Claim the due searches and move their next run on by the lease, in one transaction.

    ``skip_locked`` makes a second dispatcher on PostgreSQL pass over rows the first
    has locked instead of waiting for them; once the first commits, the rows are no
    longer due. On SQLite, IMMEDIATE transactions serialize the two dispatchers.
    """
    with transaction.atomic():
        due = list(
            Search.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_active=True, next_run_at__lte=now, owner__is_active=True)
            .order_by("next_run_at")
            .only("id", "interval_minutes", "next_run_at")[:limit]
        )
        # The lease only, until the scouts are queued (searches_queued then holds them for
        # their interval: a round's queue may take longer than the lease to drain). So a
        # dispatcher that dies between this commit and its queueing strands nothing for
        # longer than the lease.
        Search.objects.filter(pk__in=[search.pk for search in due]).update(next_run_at=now + claim_lease(), last_run_at=now)
    return due


def searches_scout_started(*, search_ids: list[int], now: datetime | None = None) -> int:
    """A scout of these searches starts: until it finishes, they are due again after the lease.

    So a worker killed mid-scout (which takes its task along) costs the lease, not an
    interval; a scout still waiting in the queue holds its searches for their interval.
    """
    until = (now or timezone.now()) + claim_lease()
    return Search.objects.filter(pk__in=search_ids, next_run_at__gt=until).update(next_run_at=until)


def searches_scouted(*, search_ids: list[int]) -> None:
    """A scout of these searches finished (whatever its outcome): next run one interval after the claim."""
    for pk, interval, last_run_at, next_run_at in Search.objects.filter(pk__in=search_ids).values_list(
        "pk", "interval_minutes", "last_run_at", "next_run_at"
    ):
        if last_run_at is None:
            continue
        due = last_run_at + timedelta(minutes=interval)
        if next_run_at is None or next_run_at < due:
            Search.objects.filter(pk=pk, last_run_at=last_run_at).update(next_run_at=due)


def group_by_scout_query(search_ids: list[int]) -> dict[ScoutQuery, list[int]]:
    groups: dict[ScoutQuery, list[int]] = defaultdict(list)
    searches = Search.objects.filter(pk__in=search_ids).prefetch_related("marketplaces")
    for search in searches:
        for marketplace in search.marketplaces.all():
            if marketplace.enabled:
                groups[scout_query_for(search, marketplace.pk, marketplace.agent)].append(search.pk)
    return dict(groups)


def dispatch_due(
    *,
    now: datetime | None = None,
    budget_seconds: float | None = None,
    batch: int | None = None,
    max_groups: int | None = None,
    follow_up_cluster: str | None = "",
) -> DispatchResult:
    """Claim every due search, batch after batch, and queue one ``scout`` per distinct ScoutQuery.

    Each batch is claimed in its own short transaction (``searches_claim_due``: skip-locked,
    so any number of dispatchers may run at once and none claims a search another holds).
    The groups of the tick's batches are merged before queueing, so a query shared by
    searches of two batches is still fetched once. Queueing counts against the budget:
    claiming stops once the time spent plus the estimated cost of queueing what is pending
    reaches ``budget_seconds``, or once ``max_groups`` (DISPATCH_MAX_GROUPS_PER_TICK) groups
    are pending; then what was claimed is queued (in chunks, ``core.taskqueue``) and, if
    searches are still due, a follow-up ``dispatch_due`` task on the dispatch queue takes
    the rest (``follow_up_cluster``; "" for DISPATCH_CLUSTER, None for the default queue). A claim holds its searches for the lease only; once their scouts are queued
    they are held for their interval (``searches_queued``), so a dispatcher that dies
    between the two strands nothing for longer than a lease.
    """
    now = now or timezone.now()
    budget = DISPATCH_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    size = batch or CLAIM_BATCH
    cap = max_groups or settings.DISPATCH_MAX_GROUPS_PER_TICK
    started = time.monotonic()
    groups: dict[ScoutQuery, list[int]] = defaultdict(list)
    by_interval: dict[int, list[int]] = defaultdict(list)
    # When each claimed search is due again (its due time plus its interval): its scout's deadline.
    deadline_of: dict[int, float] = {}
    claimed = batches = 0
    handed_over = False
    while True:
        due = searches_claim_due(now=now, limit=size)
        batches += 1
        claimed += len(due)
        for search in due:
            by_interval[search.interval_minutes].append(search.pk)
            deadline_of[search.pk] = ((search.next_run_at or now) + timedelta(minutes=search.interval_minutes)).timestamp()
        for query, ids in group_by_scout_query([search.pk for search in due]).items():
            groups[query].extend(ids)
        if len(due) < size:
            break
        spent = time.monotonic() - started
        if len(groups) >= cap or spent + len(groups) * _enqueue_seconds_per_group >= budget:
            handed_over = True
            break
    ready = dict(groups)
    claim_seconds = time.monotonic() - started

    def queue() -> None:
        global _enqueue_seconds_per_group

        began = time.monotonic()
        ahead = queue_scouts(ready, {query: min(deadline_of[pk] for pk in ids) for query, ids in ready.items()})
        searches_queued(by_interval=by_interval, claimed_at=now)
        if handed_over:
            dispatch_follow_up(cluster=(settings.DISPATCH_CLUSTER or None) if follow_up_cluster == "" else follow_up_cluster)
        took = time.monotonic() - began
        metrics.dispatch_enqueue_seconds.observe(took)
        if ready:
            _enqueue_seconds_per_group = max(took / len(ready), ENQUEUE_SECONDS_PER_GROUP_FLOOR)
        logger.info(
            "dispatch_queued",
            extra={"scouts_queued": len(ready), "scouts_ahead": ahead, "handed_over": handed_over, "duration_ms": round(took * 1000)},
        )

    transaction.on_commit(queue)
    elapsed = time.monotonic() - started
    metrics.dispatch_duration_seconds.observe(elapsed)
    metrics.dispatch_claimed_total.inc(claimed)
    logger.info(
        "dispatch_finished",
        extra={
            "claimed": claimed,
            "scouts_queued": len(ready),
            "batches": batches,
            "handed_over": handed_over,
            "claim_ms": round(claim_seconds * 1000),
            "duration_ms": round(elapsed * 1000),
        },
    )
    return DispatchResult(claimed=claimed, groups=ready, batches=batches, handed_over=handed_over)


# The latest deadline (POSIX seconds) queued at the back of the workers' queue; see searches.queue_order.
QUEUE_TAIL_DEADLINE_KEY = "dispatch:queue-tail-deadline"


def queue_scouts(groups: dict[ScoutQuery, list[int]], deadlines: dict[ScoutQuery, float]) -> int:
    """Queue one scout per group on the workers' queue, earliest deadline first; return how many went ahead.

    A scout due before the queue's tail goes to the head (``searches.queue_order``), so a
    5-minute search is not held up by a round of 15-minute ones. The scouts go to the
    default cluster's queue, where the workers listen, named explicitly: in the dispatch
    cluster, django_q's default queue is its own. A cache that cannot answer leaves the
    queue first in, first out, as if nothing were waiting.
    """
    cluster = settings.WORKER_CLUSTER
    tail = None
    if taskqueue.can_queue_ahead(cluster) and taskqueue.queue_size(cluster):
        try:
            tail = cache.get(QUEUE_TAIL_DEADLINE_KEY)
        except CACHE_ERRORS as exc:
            logger.warning("dispatch_cache_unavailable", extra={"error": type(exc).__name__})
    ahead, behind = queue_order.split_by_deadline(deadlines, tail)

    def calls(queries: list[ScoutQuery]) -> Iterator[tuple[tuple[dict[str, Any], list[int]], str]]:
        return (((query.to_dict(), groups[query]), f"scout:{query.key()}") for query in queries)

    if ahead:
        taskqueue.enqueue_many("searches.tasks.scout", calls(ahead), group="scout", cluster=cluster, ahead=True)
        metrics.dispatch_scouts_ahead_total.inc(len(ahead))
    taskqueue.enqueue_many("searches.tasks.scout", calls(behind), group="scout", cluster=cluster)
    new_tail = queue_order.next_tail_deadline(tail, (deadlines[query] for query in behind))
    if new_tail is not None and behind:
        try:
            # Forgotten once it has passed: by then every scout behind it is late anyway.
            cache.set(QUEUE_TAIL_DEADLINE_KEY, new_tail, timeout=max(int(new_tail - time.time()), 0) + 60)
        except CACHE_ERRORS as exc:
            logger.warning("dispatch_cache_unavailable", extra={"error": type(exc).__name__})
    return len(ahead)


def dispatch_follow_up(*, cluster: str | None) -> None:
    """Queue one more dispatch on that cluster's queue (the dispatch cluster's: never behind the scouts)."""
    from django_q.tasks import async_task

    async_task("searches.tasks.dispatch_due", task_name="dispatch-due:follow-up", group="dispatch", cluster=cluster)


# The dispatch cluster's scheduler moves the schedule's next run on every tick; this far
# behind, no cluster of that name is alive.
DISPATCH_CLUSTER_ABSENT_AFTER = timedelta(minutes=2)


def dispatch_watchdog(*, now: datetime | None = None) -> DispatchResult | None:
    """On the default cluster: dispatch here if no dispatch cluster has fired its schedule lately.

    Schedules with a cluster name are fired only by a qcluster of that name (django_q's
    scheduler); without one (not deployed, crashed, a demo started by hand) no search
    would ever be dispatched. Returns None when the dispatch cluster is alive (or there
    is none configured: the schedule then runs on the default cluster itself).
    """
    from django_q.models import Schedule

    name = settings.DISPATCH_CLUSTER
    now = now or timezone.now()
    if not name:
        return None
    row = Schedule.objects.filter(name="dispatch-due-searches", cluster=name).only("next_run").first()
    if row is None or row.next_run is None or row.next_run > now - DISPATCH_CLUSTER_ABSENT_AFTER:
        return None
    logger.warning("dispatch_cluster_absent", extra={"cluster": name, "schedule_next_run": row.next_run.isoformat()})
    metrics.dispatch_watchdog_runs_total.inc()
    return dispatch_due(now=now, follow_up_cluster=None)


def searches_queued(*, by_interval: dict[int, list[int]], claimed_at: datetime) -> int:
    """Their scouts are queued: hold the claimed searches for their interval, not the lease.

    Only rows still as the claim left them: a scout that already finished moved them on itself.
    """
    lease_end = claimed_at + claim_lease()
    moved = 0
    for interval, ids in by_interval.items():
        for start in range(0, len(ids), CLAIM_BATCH):
            moved += Search.objects.filter(pk__in=ids[start : start + CLAIM_BATCH], last_run_at=claimed_at, next_run_at=lease_end).update(
                next_run_at=claimed_at + timedelta(minutes=interval)
            )
    return moved


@dataclass
class ScoutGroupResult:
    outcome: ScoutOutcome
    new_matches: list[Match] = field(default_factory=list)
    events: list[AlertEvent] = field(default_factory=list)


def scout_group_run(*, query: ScoutQuery, search_ids: list[int]) -> ScoutGroupResult:
    """Scout one query, then let each search of the group match what was found."""
    searches_scout_started(search_ids=search_ids)
    outcome = marketplace_scout(query=query)
    searches_scouted(search_ids=search_ids)
    result = ScoutGroupResult(outcome=outcome)
    if not outcome.ok or not outcome.upsert.listings:
        return result
    searches = list(Search.objects.filter(pk__in=search_ids, is_active=True).select_related("owner"))
    # Each title is normalized and classified once for the whole group, and the words of
    # each distinct query are tested once (matching.ListingGroup), not once per search.
    group = matching.ListingGroup(outcome.upsert.listings)
    aliases = alias_table()
    with transaction.atomic():
        matches, events = searches_apply_scout(searches=searches, upsert=outcome.upsert, group=group, aliases=aliases)
        result.new_matches.extend(matches)
        result.events.extend(events)
        alerts_notify(events=result.events)
    # Bulk writes send no signals: drop the owners' cached answers (dashboard, listing
    # pages) ourselves, once committed, when anything they show may have changed.
    if result.new_matches or result.events or outcome.upsert.price_changes:
        user_views_forget({search.owner_id for search in searches})
    return result


def search_apply_scout(
    *,
    search: Search,
    upsert: UpsertResult,
    group: matching.ListingGroup | None = None,
    aliases: AliasTable | None = None,
) -> tuple[list[Match], list[AlertEvent]]:
    """Match a scout's listings against one search; return new matches and alert events."""
    return searches_apply_scout(searches=[search], upsert=upsert, group=group, aliases=aliases)


def searches_apply_scout(
    *,
    searches: list[Search],
    upsert: UpsertResult,
    group: matching.ListingGroup | None = None,
    aliases: AliasTable | None = None,
) -> tuple[list[Match], list[AlertEvent]]:
    """Match a scout's listings against every search of its group; return new matches and events.

    The database work is per group, not per search: one query finds the group's existing
    matches, one its already matched duplicates, one insert writes every new match and one
    update every new reference price. (Matching itself is pure: ``prepared`` holds the
    group's titles normalized once, by scout_group_run.) Only a search with new matches
    reads its comparables, for their deal scores.
    """
    group = group or matching.ListingGroup(upsert.listings)
    rates = current_rates()
    candidates: dict[int, list[Listing]] = {}
    rules_by_search: dict[int, matching.MatchRules] = {}
    reasons: dict[tuple[int, int], str] = {}  # (search, listing) -> why it matched
    for search in searches:
        rules = rules_by_search[search.pk] = matching.rules_for(search, aliases=aliases, rates=rates)
        found = []
        for listing, why in group.matching(rules):
            found.append(listing)
            reasons[search.pk, listing.pk] = why
        if found:
            candidates[search.pk] = found
    if not candidates:
        return [], []
    listing_ids = {listing.pk for found in candidates.values() for listing in found}
    existing: dict[int, dict[int, Match]] = defaultdict(dict)
    for match in Match.objects.filter(search_id__in=list(candidates), listing_id__in=listing_ids):
        existing[match.search_id][match.listing_id] = match
    fresh_by_search = {
        search_id: [listing for listing in found if listing.pk not in existing[search_id]] for search_id, found in candidates.items()
    }
    keys = {listing.dedupe_key for fresh in fresh_by_search.values() for listing in fresh if listing.dedupe_key}
    matched_keys: dict[int, set[str]] = defaultdict(set)
    if keys:
        searching = [search_id for search_id, fresh in fresh_by_search.items() if fresh]
        rows = Match.objects.filter(search_id__in=searching, listing__dedupe_key__in=keys).values_list("search_id", "listing__dedupe_key")
        for search_id, key in rows:
            matched_keys[search_id].add(key)

    new_matches: list[Match] = []
    to_update: list[Match] = []
    events: list[AlertEvent] = []
    for search in searches:
        if search.pk not in candidates:
            continue
        fresh = matching.drop_duplicates(fresh_by_search[search.pk], already_matched_keys=matched_keys[search.pk])
        if fresh:
            pool = comparable_pool(search, rates=rates, extra=fresh)
            mine = []
            for listing in fresh:
                own = _pool_entry(listing, search=search, rates=rates)
                market = scoring.market_value(comparables_for(own, pool)) if own else None
                score = scoring.deal_score(own.amount if own else None, market, search.currency)
                mine.append(
                    Match(
                        search=search,
                        listing=listing,
                        deal_score=score.score if score else None,
                        score_explanation=score.explanation if score else "",
                        score_confidence=market.confidence if market and score else "",
                        comparables_count=market.count if market and score else None,
                        match_explanation=_match_explanation(reasons.get((search.pk, listing.pk), ""), rules_by_search[search.pk], listing),
                        reference_price=listing.price,
                    )
                )
            new_matches.extend(mine)
            if search.alert_on_new:
                for match in mine:
                    if search.min_deal_score is None or (match.deal_score is not None and match.deal_score >= search.min_deal_score):
                        events.append(AlertEvent.new_listing(search=search, listing=match.listing, match=match))
        if search.alert_on_price_drop:
            drops, updated = _price_drop_events(search, upsert, existing[search.pk])
            events.extend(drops)
            to_update.extend(updated)
    if new_matches:
        Match.objects.bulk_create(new_matches, ignore_conflicts=True)
    if to_update:
        Match.objects.bulk_update(to_update, ["reference_price"])
    return new_matches, events


def _price_drop_events(search: Search, upsert: UpsertResult, existing: dict[int, Match]) -> tuple[list[AlertEvent], list[Match]]:
    """The price drops worth an alert, and the matches whose reference price moves (saved by the caller)."""
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
    return events, to_update


def _match_explanation(why: str, rules: matching.MatchRules, listing: Listing) -> str:
    """Why it matched, and how far away the listing is when the search has a radius."""
    where = geo.place_explanation(rules.place, latitude=listing.latitude, longitude=listing.longitude)
    return "; ".join(part for part in (why, where) if part)[:300]


@dataclass(frozen=True)
class PoolEntry:
    """A listing as a comparable: its amount in the search's currency and what it is."""

    listing_id: int
    amount: Decimal
    condition: str
    dedupe_key: str
    sold: bool
    accessory: bool


def _pool_entry(listing: Listing, *, search: Search, rates: Rates) -> PoolEntry | None:
    converted = money.converted_amount(
        listing.price,
        listing.currency,
        to_currency=search.currency,
        rates=rates,
        shipping=listing.shipping,
        include_shipping=search.include_shipping,
    )
    if converted is None:
        return None
    return PoolEntry(
        listing_id=listing.pk,
        amount=converted.amount,
        condition=listing.condition,
        dedupe_key=listing.dedupe_key,
        sold=listing.sold_estimated_at is not None,
        # What the accessory detector said at upsert (listings.kinds, with the site's category).
        accessory=listing.kind != Listing.Kind.ITEM,
    )


def comparable_pool(search: Search, *, rates: Rates, extra: list[Listing] | None = None) -> list[PoolEntry]:
    """The search's matched listings seen within COMPARABLES_WINDOW (and ``extra``), in its currency."""
    since = timezone.now() - COMPARABLES_WINDOW
    known = Listing.objects.filter(matches__search=search, last_seen_at__gte=since, price__isnull=False).only(
        "id", "price", "currency", "shipping", "condition", "dedupe_key", "sold_estimated_at", "kind"
    )
    listings = {listing.pk: listing for listing in known}
    for listing in extra or []:
        if listing.price is not None:
            listings[listing.pk] = listing
    return [entry for listing in listings.values() if (entry := _pool_entry(listing, search=search, rates=rates)) is not None]


def comparables_for(own: PoolEntry, pool: list[PoolEntry]) -> list[scoring.Comparable]:
    """The comparables of one listing: not itself (nor its cross-posted copies), the same
    condition class, no accessories (unless the listing is one)."""
    return [
        scoring.Comparable(price=entry.amount, sold=entry.sold)
        for entry in pool
        if entry.listing_id != own.listing_id
        and not (own.dedupe_key and entry.dedupe_key == own.dedupe_key)
        and scoring.conditions_compare(own.condition, entry.condition)
        and entry.accessory == own.accessory
    ]


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
    "keep_unknown_location",
    "include_shipping",
    "interval_minutes",
    "is_active",
    "alert_on_new",
    "alert_on_price_drop",
    "price_drop_percent",
    "min_deal_score",
)


def _search_locate(search: Search) -> None:
    """Resolve the location to coordinates, offline; an unknown place is a DomainError on "location"."""
    for name, value in geo.location_fields(search.location, radius_km=search.radius_km).items():
        setattr(search, name, value)


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


def search_check(*, search: Search, marketplaces: list[Marketplace] | None = None) -> None:
    """The rules of search_create for a search that is not saved (a preview): DomainError if one fails."""
    _search_check(search, marketplaces)


@transaction.atomic
def search_create(*, owner: Any, marketplaces: list[Marketplace], **fields: Any) -> Search:
    """Save a new search for its owner, due at once."""
    unknown = set(fields) - set(SEARCH_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field {sorted(unknown)[0]!r}.")
    search = Search(owner=owner, **fields)
    _search_locate(search)
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
    if "location" in fields or "radius_km" in fields:
        _search_locate(search)
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
    """Queue a scout of this search on each of its enabled marketplaces, at the queue's head, after commit.

    The scout task runs the same loop as the dispatcher, for this search alone; its
    schedule (next_run_at) is left as it was.
    """
    if not search.is_active:
        raise DomainError("This search is paused; resume it before running it.", code="search_paused")
    queries = [scout_query_for(search, market.pk, market.agent) for market in search.marketplaces.all() if market.enabled]
    if not queries:
        raise DomainError("None of this search's marketplaces is enabled.", code="no_marketplace")

    def queue() -> None:
        # At the head of the queue (Redis): someone pressed the button and is waiting.
        taskqueue.enqueue_many(
            "searches.tasks.scout",
            (((query.to_dict(), [search.pk]), f"scout-now:{query.key()}") for query in queries),
            group="scout",
            ahead=True,
        )

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
