"""Creating alerts once per event, planning who hears what when, and delivering it.

The path of an alert:
1. ``creating.alerts_notify`` stores one row per search, listing and event (repeats are
   ignored) and, once the transaction commits, queues ``alerts.tasks.process_alerts``.
2. ``planning.alerts_plan`` takes the due pending alerts and, per user, holds them
   (digest frequency, quiet hours, hourly cap) or gathers them into notifications, each
   with one ``Delivery`` per channel.
3. ``delivering.deliveries_send`` claims each delivery and sends it, retrying with
   backoff; a permanent failure turns the channel off.
``channels`` holds the channel rows people manage; ``inbox`` the read marks and the
one-click unsubscribe. Callers import from ``alerts.services``; the modules are its parts.
"""

from __future__ import annotations

from alerts.services.channels import TestResult, channel_create, channel_delete, channel_send_test, channel_update, channels_for_users
from alerts.services.creating import TASK_CHUNK, AlertEvent, alert_retry, alerts_notify
from alerts.services.delivering import (
    MAX_ATTEMPTS,
    RETRY_BASE,
    SEND_BATCH,
    STALE_CLAIM,
    SWEEP_GRACE,
    alerts_deliver_due,
    alerts_process,
    deliveries_claim,
    deliveries_release_stale,
    deliveries_send,
    delivery_send,
    notifications_settle,
)
from alerts.services.inbox import alert_mark_read, alerts_mark_all_read, search_alerts_pause
from alerts.services.planning import PLAN_BATCH, PlanResult, alerts_plan

__all__ = [
    "MAX_ATTEMPTS",
    "PLAN_BATCH",
    "RETRY_BASE",
    "SEND_BATCH",
    "STALE_CLAIM",
    "SWEEP_GRACE",
    "TASK_CHUNK",
    "AlertEvent",
    "PlanResult",
    "TestResult",
    "alert_mark_read",
    "alert_retry",
    "alerts_deliver_due",
    "alerts_mark_all_read",
    "alerts_notify",
    "alerts_plan",
    "alerts_process",
    "channel_create",
    "channel_delete",
    "channel_send_test",
    "channel_update",
    "channels_for_users",
    "deliveries_claim",
    "deliveries_release_stale",
    "deliveries_send",
    "delivery_send",
    "notifications_settle",
    "search_alerts_pause",
]
