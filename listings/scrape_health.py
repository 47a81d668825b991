"""Scrape health per marketplace: last run, last error, failures in the last hour.

Read by the dashboard endpoint and the operator console's health page. Three small
correlated subqueries per marketplace, each served by ``scraperun_mkt_started_idx``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from listings.models import Marketplace, ScrapeRun

logger = logging.getLogger(__name__)

FAILED_STATUSES = [
    ScrapeRun.Status.BLOCKED,
    ScrapeRun.Status.RATE_LIMITED,
    ScrapeRun.Status.HTTP_ERROR,
    ScrapeRun.Status.TIMEOUT,
    ScrapeRun.Status.PARSE_ERROR,
    ScrapeRun.Status.FAILED,
]


@dataclass(frozen=True)
class MarketplaceHealth:
    id: int
    slug: str
    name: str
    enabled: bool
    last_run_at: datetime | None
    last_status: str | None
    last_error_at: datetime | None
    last_error: str
    failures_last_hour: int
    runs_last_hour: int

    @property
    def healthy(self) -> bool:
        return self.enabled and self.last_status not in FAILED_STATUSES


def _count(runs: object) -> Coalesce:
    counted = runs.order_by().values("marketplace").annotate(n=Count("id")).values("n")  # type: ignore[attr-defined]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def scrape_health(*, now: datetime | None = None) -> list[MarketplaceHealth]:
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    runs = ScrapeRun.objects.filter(marketplace=OuterRef("pk")).order_by("-started_at")
    failures = runs.filter(status__in=FAILED_STATUSES)
    rows = (
        Marketplace.objects.annotate(
            last_run_at=Subquery(runs.values("started_at")[:1]),
            last_status=Subquery(runs.values("status")[:1]),
            last_error_at=Subquery(failures.values("started_at")[:1]),
            last_error=Subquery(failures.values("error")[:1]),
            failures_last_hour=_count(failures.filter(started_at__gte=hour_ago)),
            runs_last_hour=_count(runs.filter(started_at__gte=hour_ago)),
        )
        .order_by("slug")
        .values(
            "id",
            "slug",
            "name",
            "enabled",
            "last_run_at",
            "last_status",
            "last_error_at",
            "last_error",
            "failures_last_hour",
            "runs_last_hour",
        )
    )
    health = []
    for row in rows:
        row["last_error"] = row["last_error"] or ""
        health.append(MarketplaceHealth(**row))
    return health


def task_queue_depth() -> int | None:
    """Tasks waiting in the django-q2 broker; None when the broker cannot be reached."""
    from django_q.brokers import get_broker

    try:
        return int(get_broker().queue_size())
    except Exception:  # noqa: BLE001 - a health page must render when the broker is down
        return None


CACHE_KEY = "scrape-health:v1"
CACHE_SECONDS = 15


def scrape_health_cached() -> list[MarketplaceHealth]:
    """scrape_health() shared for CACHE_SECONDS: every user's dashboard shows the same rows.

    The query is the dashboard's most expensive part; scrape runs happen minutes apart,
    so rows a few seconds old tell the same story. The operator console reads it fresh.
    """
    from django.core.cache import cache

    try:
        rows = cache.get(CACHE_KEY)
        if rows is None:
            rows = scrape_health()
            cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - a cache outage only costs the query
        logger.warning("scrape_health_cache_unavailable")
        rows = scrape_health()
    return rows
