"""What /metrics shows: the stored samples plus gauges computed at scrape time.

Scrape-time gauges cost a query each, so their values are kept for a few seconds:
Prometheus may scrape every pod every 15 s, and two scrapes in a row need not ask the
database twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import psutil
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, UnknownMetricFamily
from prometheus_client.registry import Collector

from monitoring import hooks, metrics
from monitoring.multiprocess import SummingCollector, multiproc_dir
from monitoring.request_metrics import tally
from monitoring.timing import timed_operation

logger = logging.getLogger(__name__)

CACHE_SECONDS = 10.0


class _TimedCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._at = 0.0
        self._value: Any = None

    def get(self, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.seconds:
                self._value = compute()
                self._at = time.monotonic()
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None


_gauge_cache = _TimedCache(CACHE_SECONDS)
_labels_cache = _TimedCache(60.0)


T = TypeVar("T")


def _safe(read: Callable[[], T], name: str) -> T | None:
    try:
        return read()
    except Exception:  # one broken query must not empty the whole exposition
        logger.warning("metric_read_failed", extra={"metric": name}, exc_info=True)
        return None


def task_queue_depth() -> float:
    from django_q.brokers import get_broker

    return float(get_broker().queue_size() or 0)


def task_failures_last_hour() -> float:
    from django_q.models import Failure

    return float(Failure.objects.filter(stopped__gte=timezone.now() - timedelta(hours=1)).count())


def qcluster_stats() -> list[Any]:
    """The clusters that reported in the last minute, from django-q2's own Stat records."""
    from django_q.status import Stat

    cutoff = timezone.now() - timedelta(seconds=60)
    return [stat for stat in Stat.get_all() if stat.timestamp and stat.timestamp >= cutoff]


def database_connections() -> tuple[float, float | None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            total = cursor.fetchone()[0]
            cursor.execute("SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
            limit = cursor.fetchone()[0]
        return float(total), float(limit)
    # SQLite has no server: the count is this process's open connections, with no limit.
    from django.db import connections

    return float(sum(1 for c in connections.all(initialized_only=True) if c.connection is not None)), None


CGROUP = Path("/sys/fs/cgroup")


def memory_usage() -> tuple[float, float]:
    """(bytes used, ratio of the limit): the container's cgroup v2 limit when it has one."""
    try:
        limit = (CGROUP / "memory.max").read_text().strip()
        current = int((CGROUP / "memory.current").read_text().strip())
        if limit != "max":
            return float(current), current / int(limit)
    except (OSError, ValueError):
        pass
    memory = psutil.virtual_memory()
    used = memory.total - memory.available
    return float(used), used / memory.total


def system_usage() -> dict[str, float]:
    from django.conf import settings

    used_bytes, used_ratio = memory_usage()
    return {
        "system_cpu_used_ratio": psutil.cpu_percent(interval=None) / 100.0,
        "system_memory_used_ratio": used_ratio,
        "system_memory_used_bytes": used_bytes,
        "system_disk_used_ratio": psutil.disk_usage(str(settings.BASE_DIR)).percent / 100.0,
    }


@timed_operation("scrape_time_gauges")
def compute_scrape_time_gauges() -> dict[str, float]:
    values: dict[str, float | None] = {
        "task_queue_depth": _safe(task_queue_depth, "task_queue_depth"),
        "task_failures_last_hour": _safe(task_failures_last_hour, "task_failures_last_hour"),
    }
    stats = _safe(qcluster_stats, "qcluster_clusters")
    if stats is not None:
        values["qcluster_clusters"] = float(len(stats))
        values["qcluster_workers"] = float(sum(len(s.workers) for s in stats))
    conns = _safe(database_connections, "database_connections_total")
    if conns is not None:
        values["database_connections_total"], values["database_connections_max"] = conns
    values.update(_safe(system_usage, "system") or {})
    for gauge in hooks.business_gauges():
        values[gauge.name] = _safe(gauge.read, gauge.name)
    return {k: v for k, v in values.items() if v is not None}


class ScrapeTimeCollector(Collector):
    """Point-in-time values, typed gauge.

    Two names the design fixed end in ``_total`` (``active_searches_total``,
    ``database_connections_total``); promtool's linter rejects that suffix on a gauge, so
    those are exposed untyped, which Prometheus stores and queries exactly like a gauge.
    """

    def collect(self) -> Iterator[GaugeMetricFamily | UnknownMetricFamily]:
        values = _gauge_cache.get(compute_scrape_time_gauges)
        helps = dict(metrics.SCRAPE_TIME_GAUGES)
        helps.update({g.name: g.help for g in hooks.business_gauges()})
        for name, value in values.items():
            family = UnknownMetricFamily if name.endswith("_total") else GaugeMetricFamily
            yield family(name, helps.get(name, name) + " (a gauge)" * name.endswith("_total"), value=value)


def initialise_known_labels() -> None:
    """Create the zero series of every known label set (marketplaces, channels, tasks)."""

    def compute() -> bool:
        for metric_name, providers in hooks.known_labels().items():
            metric = getattr(metrics, metric_name, None)
            if metric is None:
                continue
            for provider in providers:
                for labels in _safe_iter(provider, metric_name):
                    metric.labels(**labels)
        for endpoint in _safe_iter(_api_route_templates, "http_requests_total"):
            metrics.http_requests_total.labels(method="GET", endpoint=endpoint, status="200")
            metrics.http_request_duration_seconds.labels(method="GET", endpoint=endpoint)
        for task_name in _safe_iter(_scheduled_task_names, "tasks_total"):
            for status in ("success", "failure"):
                metrics.tasks_total.labels(task_name=task_name, status=status)
            metrics.task_duration_seconds.labels(task_name=task_name)
        return True

    _labels_cache.get(compute)


def _safe_iter(provider: Callable[[], Any], name: str) -> list[Any]:
    try:
        return list(provider())
    except Exception:
        logger.warning("metric_labels_failed", extra={"metric": name}, exc_info=True)
        return []


def _api_route_templates() -> list[str]:
    """The route templates of the API and the health endpoints (the admin's are left out)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from monitoring.routes import template_of

    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and "format" not in route:
                found.add(template_of(route))

    walk(get_resolver().url_patterns, "")
    return sorted(t for t in found if t.startswith(("/api/", "/health")))


def _scheduled_task_names() -> list[str]:
    from django_q.models import Schedule

    # Tasks that schedules queue (searches' scout) come from the apps' hooks.
    return sorted(set(Schedule.objects.values_list("func", flat=True)))


def render(*, include_scrape_time: bool = True) -> bytes:
    """The exposition text of this process (or, in multiprocess mode, of all of them)."""
    initialise_known_labels()
    tally.flush()  # this process's requests up to now (the others' are at most request_metrics.FLUSH_SECONDS behind)
    directory = multiproc_dir()
    if directory is not None:
        registry = CollectorRegistry()
        registry.register(SummingCollector(directory))
    else:
        registry = REGISTRY
    if include_scrape_time:
        extra = CollectorRegistry()
        extra.register(ScrapeTimeCollector())
        return generate_latest(registry) + generate_latest(extra)
    return generate_latest(registry)
