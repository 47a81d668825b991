"""Reading marketplaces: the list a search can use, and how healthy each one is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from listings.models import Marketplace, ScrapeRun

# A run that read the site: listings, or a page that says there are none.
GOOD_STATUSES = (ScrapeRun.Status.OK, ScrapeRun.Status.EMPTY)
RECENT_RUNS = 5
_RECENT_FIELDS = [f"status_{n}" for n in range(1, RECENT_RUNS)]
_EPOCH = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


class HealthState:
    HEALTHY = "healthy"  # the last run was good
    DEGRADED = "degraded"  # failing, for less than the outage threshold
    DOWN = "down"  # no good run for MARKETPLACE_OUTAGE_AFTER_HOURS, while it was being tried
    UNKNOWN = "unknown"  # never run


@dataclass(frozen=True)
class MarketplaceHealth:
    marketplace_id: int
    slug: str
    name: str
    enabled: bool
    state: str
    last_run_at: datetime | None
    last_status: str | None
    last_good_run_at: datetime | None
    # The first failed run after the last good one (None while the last run is good).
    failing_since: datetime | None
    recent_statuses: list[str] = field(default_factory=list)  # newest first
    # The first lines of the last failed run's error (for operators and the owner's page;
    # the API leaves it out: a parse error carries a sample of someone else's page).
    last_error: str = ""
    failures_last_hour: int = 0
    runs_last_hour: int = 0

    @property
    def healthy(self) -> bool:
        """Not failing now (never run counts as not failing)."""
        return self.state in (HealthState.HEALTHY, HealthState.UNKNOWN)


def _count(runs: QuerySet[ScrapeRun]) -> Coalesce:
    counted = runs.order_by().values("marketplace").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def outage_threshold() -> timedelta:
    return timedelta(hours=float(settings.MARKETPLACE_OUTAGE_AFTER_HOURS))


def marketplaces_enabled() -> QuerySet[Marketplace]:
    """The marketplaces a search can use: enabled ones, by slug."""
    return Marketplace.objects.filter(enabled=True).order_by("slug")


def marketplace_health(*, marketplace_ids: Iterable[int], now: datetime | None = None) -> dict[int, MarketplaceHealth]:
    """Health of each marketplace, in one query however many there are.

    One query annotates each marketplace with its last run, last good run and the first
    failure after that and the statuses of its last ``RECENT_RUNS`` runs (correlated
    subqueries, each an index probe on ``scraperun_mkt_started_idx``). Down means
    failing for at least ``MARKETPLACE_OUTAGE_AFTER_HOURS``: the same rule that opens a
    ``MarketplaceOutage`` and tells the people who depend on it.
    """
    ids = sorted(set(marketplace_ids))
    if not ids:
        return {}
    now = now or timezone.now()
    threshold = outage_threshold()
    hour_ago = now - timedelta(hours=1)
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
        # The statuses of the runs before the last: one indexed probe each, rather than
        # ranking every run of every marketplace with a window function.
        .annotate(**{f"status_{n}": Subquery(runs.values("status")[n : n + 1]) for n in range(1, RECENT_RUNS)})
        .annotate(
            last_error=Subquery(runs.exclude(status__in=GOOD_STATUSES).values("error")[:1]),
            failures_last_hour=_count(runs.exclude(status__in=GOOD_STATUSES).filter(started_at__gte=hour_ago)),
            runs_last_hour=_count(runs.filter(started_at__gte=hour_ago)),
        )
        .values(
            "pk",
            "slug",
            "name",
            "enabled",
            "last_run_at",
            "last_status",
            "last_good_run_at",
            "failing_since",
            "last_error",
            "failures_last_hour",
            "runs_last_hour",
            *_RECENT_FIELDS,
        )
    )
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
            slug=row["slug"],
            name=row["name"],
            enabled=row["enabled"],
            state=state,
            last_run_at=row["last_run_at"],
            last_status=row["last_status"],
            last_good_run_at=row["last_good_run_at"],
            failing_since=since,
            recent_statuses=[status for status in (row["last_status"], *(row[name] for name in _RECENT_FIELDS)) if status],
            last_error="\n".join((row["last_error"] or "").splitlines()[:2])[:500],
            failures_last_hour=row["failures_last_hour"],
            runs_last_hour=row["runs_last_hour"],
        )
    return health
