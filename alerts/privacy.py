"""What `alerts` holds about a person; alerts stop when the owner deletes the account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accounts.personal_data import export_row, export_rows, register_account_hook, register_exporter
from accounts.retention import PurgeContext, delete_in_batches, register_purger
from alerts.models import Alert, Delivery, Notification, NotificationChannel, UserNotice

STOPPED_ERROR = "Not sent: the account was deleted by its owner."
# A message and its per-channel delivery records answer "did this reach me, and where?";
# three months covers any question a person or support asks, the alerts themselves go
# with their listing.
NOTIFICATION_RETENTION_DAYS = 90


@register_exporter("alerts")
def export_alerts(*, user: Any) -> dict[str, Any]:
    alerts = Alert.objects.filter(user=user).select_related("listing").order_by("pk")
    return {
        "alerts.Alert": [
            export_row(alert, extra={"listing_title": alert.listing.title, "listing_url": alert.listing.url})
            for alert in alerts.iterator(chunk_size=500)
        ],
        # Secrets (webhook signing secret, Apprise URL) are masked by export_row.
        "alerts.NotificationChannel": export_rows(NotificationChannel.objects.filter(user=user)),
        "alerts.Notification": export_rows(Notification.objects.filter(user=user)),
        "alerts.Delivery": export_rows(Delivery.objects.filter(notification__user=user)),
        "alerts.UserNotice": export_rows(UserNotice.objects.filter(user=user)),
    }


@register_purger("notifications")
def purge_notifications(context: PurgeContext) -> dict[str, int]:
    """Messages older than NOTIFICATION_RETENTION_DAYS, with their deliveries (cascade)."""
    cutoff = context.now - timedelta(days=NOTIFICATION_RETENTION_DAYS)
    return delete_in_batches(Notification.objects.filter(created_at__lt=cutoff), kind="notifications", context=context)


@register_purger("notices")
def purge_notices(context: PurgeContext) -> dict[str, int]:
    """Service notices (a marketplace down, back) older than NOTIFICATION_RETENTION_DAYS.

    An outage still open after that long may be told again: a reminder, not a repeat.
    """
    cutoff = context.now - timedelta(days=NOTIFICATION_RETENTION_DAYS)
    return delete_in_batches(UserNotice.objects.filter(created_at__lt=cutoff), kind="notices", context=context)


def stop_alerts(*, user: Any) -> dict[str, Any]:
    """Pending alerts are marked failed, so no worker claims them; none is resent on cancel
    (they would be stale by then)."""
    stopped = Alert.objects.filter(user=user, status=Alert.Status.PENDING).update(status=Alert.Status.FAILED, error=STOPPED_ERROR)
    deliveries = Delivery.objects.filter(notification__user=user, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, error=STOPPED_ERROR
    )
    return {"stopped_alerts": stopped, "stopped_deliveries": deliveries}


def keep_alerts_stopped(*, user: Any, state: dict[str, Any]) -> None:
    return None


register_account_hook("alerts", deactivate=stop_alerts, reactivate=keep_alerts_stopped)
