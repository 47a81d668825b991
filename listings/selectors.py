"""Reading marketplaces: the list a search can use, and how healthy each one is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from listings.models import Marketplace, ScrapeRun

# A run that read the site: listings, or a page that says there are none.
GOOD_STATUSES = (ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY)
RECENT_RUNS = 5
_EPOCH = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


class HealthState:
    HEALTHY = "healthy"  # the last run was good
    DEGRADED = "degraded"  # failing, for less than the outage threshold
    DOWN = "down"  # no good run for MARKETPLACE_OUTAGE_AFTER_HOURS, while it was being tried
    UNKNOWN = "unknown"  # never run


@dataclass(frozen=True)
class MarketplaceHealth:
    marketplace_id: int
    state: str
    last_run_at: datetime | None
    last_status: str | None
    last_good_run_at: datetime | None
    # The first failed run after the last good one (None while the last run is good).
    failing_since: datetime | None
    recent_statuses: list[str] = field(default_factory=list)  # newest first


def outage_threshold() -> timedelta:
    return timedelta(hours=float(settings.MARKETPLACE_OUTAGE_AFTER_HOURS))


def marketplaces_enabled() -> QuerySet[Marketplace]:
    """The marketplaces a search can use: enabled ones, by slug."""
    return Marketplace.objects.filter(enabled=True).order_by("slug")


def marketplace_health(*, marketplace_ids: Iterable[int], now: datetime | None = None) -> dict[int, MarketplaceHealth]:
    """Health of each marketplace, in two queries however many there are.

    One query annotates each marketplace with its last run, last good run and the first
    failure after that (correlated subqueries on ``scraperun_mkt_started_idx``); one
    reads the last ``RECENT_RUNS`` runs of each with a window function. Down means
    failing for at least ``MARKETPLACE_OUTAGE_AFTER_HOURS``: the same rule that opens a
    ``MarketplaceOutage`` and tells the people who depend on it.
    """
    ids = sorted(set(marketplace_ids))
    if not ids:
        return {}
    now = now or timezone.now()
    threshold = outage_threshold()
    runs = ScrapeRun.objects.filter(marketplace=OuterRef("pk")).order_by("-started_at")
    good = runs.filter(status__in=GOOD_STATUSES)
    # The first failure after the last good run (or after nothing, when none was good).
    first_failure = (
        ScrapeRun.objects.filter(marketplace=OuterRef("pk"), started_at__gt=Coalesce(OuterRef("last_good_run_at"), _EPOCH))
        .exclude(status__in=GOOD_STATUSES)
        .order_by("started_at")
    )
    rows = list(
        Marketplace.objects.filter(pk__in=ids)
        .annotate(
            last_run_at=Subquery(runs.values("started_at")[:1]),
            last_status=Subquery(runs.values("status")[:1]),
            last_good_run_at=Subquery(good.values("started_at")[:1]),
        )
        .annotate(failing_since=Subquery(first_failure.values("started_at")[:1]))
        .values("pk", "last_run_at", "last_status", "last_good_run_at", "failing_since")
    )
    recent: dict[int, list[str]] = defaultdict(list)
    ranked = (
        ScrapeRun.objects.filter(marketplace_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("marketplace_id")], order_by=F("started_at").desc()))
        .filter(rank__lte=RECENT_RUNS)
        .order_by("marketplace_id", "rank")
        .values_list("marketplace_id", "status")
    )
    for marketplace_id, status in ranked:
        recent[marketplace_id].append(status)

    health = {}
    for row in rows:
        since = row["failing_since"] if row["last_status"] not in GOOD_STATUSES else None
        if row["last_status"] is None:
            state = HealthState.UNKNOWN
        elif row["last_status"] in GOOD_STATUSES:
            state = HealthState.HEALTHY
        elif since is not None and now - since >= threshold:
            state = HealthState.DOWN
        else:
            state = HealthState.DEGRADED
        health[row["pk"]] = MarketplaceHealth(
            marketplace_id=row["pk"],
            state=state,
            last_run_at=row["last_run_at"],
            last_status=row["last_status"],
            last_good_run_at=row["last_good_run_at"],
            failing_since=since,
            recent_statuses=recent.get(row["pk"], []),
        )
    return health
