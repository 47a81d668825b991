"""django-q2 entry points for alert delivery."""

from __future__ import annotations

from alerts import services


def deliver_alert(alert_id: int) -> str:
    return services.alert_deliver(alert_id=alert_id)


def deliver_due() -> int:
    return services.alerts_deliver_due()
