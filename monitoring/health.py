"""Health checks: each component answers healthy, degraded or unhealthy, within a time-out.

Every check runs in a worker thread and is abandoned after its time-out, so a database
that hangs or a Redis that never answers turns into an ``unhealthy`` line instead of a
probe that never returns. The overall status is the worst component's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import psutil
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection, connections

from monitoring import collectors, hooks

logger = logging.getLogger(__name__)

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
_RANK = {HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}

DEFAULT_TIMEOUT = 3.0
SLOW_CHECK_SECONDS = 1.0
# System thresholds (percent): degraded at the first, unhealthy at the second.
CPU_LIMITS = (90.0, 98.0)
MEMORY_LIMITS = (80.0, 95.0)
DISK_LIMITS = (85.0, 95.0)
DB_CONNECTION_LIMITS = (80.0, 95.0)
FAILED_TASKS_DEGRADED = 50

# Hung checks keep their thread; a bounded pool keeps them from piling up without end.
_executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="health")


@dataclass
class ComponentHealth:
    status: str
    details: dict[str, Any] = field(default_factory=dict)
    latency_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "latency_ms": round(self.latency_ms, 2), **self.details}


def worst(statuses: list[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default=HEALTHY)


def _by_limits(value: float, limits: tuple[float, float]) -> str:
    if value >= limits[1]:
        return UNHEALTHY
    if value >= limits[0]:
        return DEGRADED
    return HEALTHY


def _in_thread(check: Callable[[], ComponentHealth]) -> ComponentHealth:
    try:
        return check()
    finally:
        # The thread's own database connection must not outlive the check.
        connections.close_all()


def _timed(check: Callable[[], ComponentHealth]) -> ComponentHealth:
    started = time.perf_counter()
    result = _in_thread(check)
    result.latency_ms = (time.perf_counter() - started) * 1000
    return result


def _outcome(name: str, future: Future[ComponentHealth], remaining: float, timeout: float) -> ComponentHealth:
    try:
        result = future.result(timeout=max(remaining, 0.0))
    except FutureTimeout:
        future.cancel()
        logger.warning("health_check_timed_out", extra={"component": name, "timeout_s": timeout})
        return ComponentHealth(UNHEALTHY, {"error": f"no answer within {timeout:g} s"}, latency_ms=timeout * 1000)
    except Exception as exc:
        logger.warning("health_check_failed", extra={"component": name, "error_type": type(exc).__name__})
        return ComponentHealth(UNHEALTHY, {"error": f"{type(exc).__name__}: {_short(exc)}"})
    if result.status == HEALTHY and result.latency_ms > SLOW_CHECK_SECONDS * 1000:
        result.status = DEGRADED
        result.details.setdefault("warning", "slow answer")
    return result


def run_checks(checks: dict[str, Callable[[], ComponentHealth]], timeout: float = DEFAULT_TIMEOUT) -> dict[str, ComponentHealth]:
    """Run the checks side by side; none may take longer than ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    futures = {name: _executor.submit(_timed, check) for name, check in checks.items()}
    return {name: _outcome(name, future, deadline - time.monotonic(), timeout) for name, future in futures.items()}


def _short(exc: Exception) -> str:
    # Driver messages may carry host names and users; the type and first line suffice.
    return str(exc).splitlines()[0][:200] if str(exc) else ""


# --- Components ---------------------------------------------------------------------------
def check_database() -> ComponentHealth:
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    total, limit = collectors.database_connections()
    details: dict[str, Any] = {"vendor": connection.vendor, "connections": int(total)}
    status = HEALTHY
    if limit:
        used = 100.0 * total / limit
        details.update(max_connections=int(limit), connections_used_percent=round(used, 1))
        status = _by_limits(used, DB_CONNECTION_LIMITS)
    details["conn_max_age"] = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    return ComponentHealth(status, details)


def check_cache() -> ComponentHealth:
    key = "health:probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        return ComponentHealth(UNHEALTHY, {"error": "cache did not return what was written"})
    backend = str(settings.CACHES["default"]["BACKEND"])
    return ComponentHealth(HEALTHY, {"backend": backend.rsplit(".", 1)[-1]})


def check_redis() -> ComponentHealth:
    backend = str(settings.CACHES["default"]["BACKEND"])
    if "redis" not in backend.lower():
        # The embedded default has no Redis: the database cache stands in for it.
        result = check_cache()
        result.details["note"] = "Redis not configured; the database cache is in use"
        return result
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    info = client.info()
    check_cache()
    used, peak = info.get("used_memory", 0), info.get("maxmemory", 0)
    details = {
        "used_memory_bytes": used,
        "maxmemory_bytes": peak,
        "connected_clients": info.get("connected_clients"),
        "version": info.get("redis_version"),
    }
    status = _by_limits(100.0 * used / peak, MEMORY_LIMITS) if peak else HEALTHY
    return ComponentHealth(status, details)


def check_qcluster() -> ComponentHealth:
    stats = collectors.qcluster_stats()
    clusters = [
        {"cluster_id": str(s.cluster_id), "host": s.host, "status": s.status, "workers": len(s.workers), "uptime_s": round(s.uptime())}
        for s in stats
    ]
    workers = sum(c["workers"] for c in clusters)
    details = {"clusters": clusters, "workers": workers, "queued": collectors.task_queue_depth()}
    if not clusters or workers == 0:
        return ComponentHealth(UNHEALTHY, {**details, "error": "no cluster reported in the last minute"})
    if any(c["status"] not in ("Idle", "Working", "Starting") for c in clusters):
        return ComponentHealth(DEGRADED, details)
    return ComponentHealth(HEALTHY, details)


def check_system() -> ComponentHealth:
    cpu = psutil.cpu_percent(interval=None)
    memory = psutil.virtual_memory().percent
    disk = psutil.disk_usage(str(settings.BASE_DIR)).percent
    status = worst([_by_limits(cpu, CPU_LIMITS), _by_limits(memory, MEMORY_LIMITS), _by_limits(disk, DISK_LIMITS)])
    process = psutil.Process()
    return ComponentHealth(
        status,
        {
            "cpu_percent": cpu,
            "memory_percent": memory,
            "disk_percent": disk,
            "process_rss_bytes": process.memory_info().rss,
        },
    )


def check_application() -> ComponentHealth:
    details: dict[str, Any] = {gauge.name: gauge.read() for gauge in hooks.business_gauges()}
    failed = collectors.task_failures_last_hour()
    details["failed_tasks_last_hour"] = int(failed)
    return ComponentHealth(DEGRADED if failed > FAILED_TASKS_DEGRADED else HEALTHY, details)


DETAILED_CHECKS: dict[str, Callable[[], ComponentHealth]] = {
    "database": check_database,
    "redis": check_redis,
    "qcluster": check_qcluster,
    "system": check_system,
    "application": check_application,
}
READY_CHECKS: dict[str, Callable[[], ComponentHealth]] = {"database": check_database, "cache": check_cache}
# Components the API survives without: readiness reports them (degraded), but never takes
# a pod out of the Service for them, which would turn their outage into an API outage.
READY_SURVIVABLE = {
    "cache": "the API answers without it (throttles and login limits fail open); "
    "'run now' answers 503 and scouting waits until Redis is back",
}


def readiness_report(timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Unhealthy (503) only when the API cannot answer: the database is down."""
    results = run_checks(READY_CHECKS, timeout)
    for name, impact in READY_SURVIVABLE.items():
        result = results.get(name)
        if result is not None and result.status == UNHEALTHY:
            result.status = DEGRADED
            result.details["impact"] = impact
    return _report(results)


def health_report(checks: dict[str, Callable[[], ComponentHealth]], timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The report's status is the worst component's."""
    return _report(run_checks(checks, timeout))


def _report(results: dict[str, ComponentHealth]) -> dict[str, Any]:
    components = {name: result.as_dict() for name, result in results.items()}
    return {
        "status": worst([c["status"] for c in components.values()]),
        "version": settings.VERSION,
        "environment": settings.ENVIRONMENT,
        "components": components,
    }
