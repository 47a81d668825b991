"""django-q2 entry points for alert delivery: thin callers of services."""

from __future__ import annotations

from alerts import services


def process_alerts(alert_ids: list[int]) -> dict[str, int]:
    """New alerts, queued by alerts_notify once their transaction commits."""
    return dict(services.alerts_process(alert_ids=alert_ids))


def deliver_due() -> dict[str, int]:
    """Every minute: digests and held alerts that came due, retries, lost work."""
    return dict(services.alerts_deliver_due())
