"""What `alerts` holds about a person; alerts stop when the owner deletes the account."""

from __future__ import annotations

from typing import Any

from accounts.personal_data import export_row, register_account_hook, register_exporter
from alerts.models import Alert

STOPPED_ERROR = "Not sent: the account was deleted by its owner."


@register_exporter("alerts")
def export_alerts(*, user: Any) -> dict[str, Any]:
    alerts = Alert.objects.filter(user=user).select_related("listing").order_by("pk")
    return {
        "alerts.Alert": [
            export_row(alert, extra={"listing_title": alert.listing.title, "listing_url": alert.listing.url})
            for alert in alerts.iterator(chunk_size=500)
        ]
    }


def stop_alerts(*, user: Any) -> dict[str, Any]:
    """Pending alerts are marked failed, so no worker claims them; none is resent on cancel
    (they would be stale by then)."""
    stopped = Alert.objects.filter(user=user, status=Alert.Status.PENDING).update(status=Alert.Status.FAILED, error=STOPPED_ERROR)
    return {"stopped_alerts": stopped}


def keep_alerts_stopped(*, user: Any, state: dict[str, Any]) -> None:
    return None


register_account_hook("alerts", deactivate=stop_alerts, reactivate=keep_alerts_stopped)
