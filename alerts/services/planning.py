"""Planning: who hears what, and when.

``alerts_plan`` takes the due pending alerts (row-locked, so two workers never plan the
same one) and, per user, holds them (digest frequency, quiet hours, hourly cap) or gathers
them into notifications: one per listing and event however many of the user's searches
matched, or one digest. Each notification gets one ``Delivery`` per channel.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts.models import NotificationPreferences, User
from alerts import timing
from alerts.models import Alert, Delivery, Notification, NotificationChannel
from alerts.services.channels import channels_for_users
from monitoring import metrics

logger = logging.getLogger(__name__)

PLAN_BATCH = 5000


@dataclass
class _UserPlan:
    prefs: NotificationPreferences
    tz_name: str
    channels: list[NotificationChannel]
    instant_recent: int
    oldest_recent: datetime | None


@dataclass(frozen=True)
class PlanResult:
    alerts: int  # how many due alerts this call took
    delivery_ids: list[int]


def alerts_plan(
    *, now: datetime | None = None, alert_ids: list[int] | None = None, limit: int = PLAN_BATCH, created_before: datetime | None = None
) -> PlanResult:
    """Hold or gather the due pending alerts into notifications, with one delivery per channel.

    The number of queries does not depend on how many alerts the batch holds.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Alert.objects.select_for_update(skip_locked=True, of=("self",)).filter(status=Alert.Status.PENDING, next_attempt_at__lte=now)
        if alert_ids is not None:
            due = due.filter(pk__in=alert_ids)
        if created_before is not None:
            # Alerts not yet planned at all are left to their own task for a while.
            due = due.filter(Q(created_at__lt=created_before) | ~Q(held_for=""))
        alerts = list(due.select_related("search").order_by("next_attempt_at", "pk")[:limit])
        if not alerts:
            return PlanResult(alerts=0, delivery_ids=[])
        plans = _user_plans(user_ids={alert.user_id for alert in alerts}, now=now)
        told = _already_told(alerts)

        notifications: list[tuple[Notification, list[Alert]]] = []
        by_user: dict[int, list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_user[alert.user_id].append(alert)
        for user_id, user_alerts in by_user.items():
            notifications.extend(_plan_user(plans[user_id], user_alerts, told, now))

        Notification.objects.bulk_create([notification for notification, _ in notifications], batch_size=1000)
        deliveries = []
        gathered: list[tuple[int, int]] = []
        created_metric: Counter[tuple[str, str]] = Counter()
        for notification, group in notifications:
            gathered.extend((alert.pk, notification.pk) for alert in group)
            for channel in plans[notification.user_id].channels:
                deliveries.append(Delivery(notification=notification, channel=channel, next_attempt_at=now, created_at=now))
                for alert in group:
                    created_metric[(channel.kind, alert.kind)] += 1
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        _alerts_save_plan(alerts, gathered)
    for (channel_kind, kind), count in created_metric.items():
        metrics.alerts_created_total.labels(channel=channel_kind, kind=kind).inc(count)
    logger.info("alerts_planned", extra={"alerts": len(alerts), "notifications": len(notifications), "deliveries": len(deliveries)})
    return PlanResult(alerts=len(alerts), delivery_ids=[delivery.pk for delivery in deliveries])


def _alerts_save_plan(alerts: list[Alert], gathered: list[tuple[int, int]]) -> None:
    """Write what planning decided, in a number of queries that does not grow with the alerts.

    Held, skipped and already-told alerts share their new values in small groups (one
    UPDATE each). Alerts gathered into new notifications each get their own notification
    id: one CASE statement per chunk, because Django's ``bulk_update`` builds an
    expression per row and costs milliseconds per alert in Python.
    """
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    gathered_ids = {alert_id for alert_id, _ in gathered}
    for alert in alerts:
        if alert.pk not in gathered_ids:
            key = (alert.status, alert.held_for, alert.next_attempt_at, alert.error, alert.notification_id, alert.sent_at)
            groups[key].append(alert.pk)
    for (status, held_for, next_attempt_at, error, notification_id, sent_at), ids in groups.items():
        Alert.objects.filter(pk__in=ids).update(
            status=status, held_for=held_for, next_attempt_at=next_attempt_at, error=error, notification_id=notification_id, sent_at=sent_at
        )
    table = connection.ops.quote_name(Alert._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(gathered), 300):  # 900 parameters: within every SQLite build's limit
            chunk = gathered[start : start + 300]
            cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
            in_list = ", ".join(["%s"] * len(chunk))
            params = [value for pair in chunk for value in pair] + [Alert.Status.SENDING.value] + [alert_id for alert_id, _ in chunk]
            # Only placeholders are interpolated; every value travels as a parameter.
            sql = f"UPDATE {table} SET notification_id = CASE id {cases} END, status = %s WHERE id IN ({in_list})"  # noqa: S608
            cursor.execute(sql, params)


def _user_plans(*, user_ids: set[int], now: datetime) -> dict[int, _UserPlan]:
    users = User.objects.filter(pk__in=user_ids).select_related("notification_preferences")
    channels = channels_for_users(user_ids=user_ids)
    recent = {
        row["user_id"]: row
        for row in Notification.objects.filter(
            user_id__in=user_ids, kind=Notification.Kind.INSTANT, created_at__gt=now - timedelta(hours=1)
        )
        .values("user_id")
        .annotate(count=Count("id"), oldest=Min("created_at"))
    }
    plans = {}
    for user in users:
        try:
            prefs = user.notification_preferences
        except NotificationPreferences.DoesNotExist:
            prefs = NotificationPreferences(user=user)
        active = [channel for channel in channels.get(user.pk, []) if channel.kind != channel.Kind.EMAIL or prefs.email_enabled]
        if not user.is_active or user.deleted_at is not None:
            active = []  # a closed or deleted account is told nothing
        row = recent.get(user.pk)
        count, oldest = (row["count"], row["oldest"]) if row else (0, None)
        plans[user.pk] = _UserPlan(prefs, user.timezone, active, count, oldest)
    return plans


def _already_told(alerts: list[Alert]) -> dict[tuple[int, int, str], tuple[int, str]]:
    """(user, listing, event) -> (notification, status) for events a user has already been sent."""
    rows = Alert.objects.filter(
        user_id__in={alert.user_id for alert in alerts},
        listing_id__in={alert.listing_id for alert in alerts},
        notification__isnull=False,
        status__in=[Alert.Status.SENDING, Alert.Status.SENT],
    ).values_list("user_id", "listing_id", "event_key", "notification_id", "status")
    return {(user_id, listing_id, key): (notification_id, status) for user_id, listing_id, key, notification_id, status in rows}


def _plan_user(
    plan: _UserPlan, alerts: list[Alert], told: dict[tuple[int, int, str], tuple[int, str]], now: datetime
) -> list[tuple[Notification, list[Alert]]]:
    prefs = plan.prefs
    quiet_end = timing.quiet_until(now=now, tz_name=plan.tz_name, start=prefs.quiet_hours_start, end=prefs.quiet_hours_end)
    instant: dict[tuple[int, str], list[Alert]] = {}
    digest: list[Alert] = []
    for alert in alerts:
        key = (alert.user_id, alert.listing_id, alert.event_key)
        if alert.search.alert_frequency == timing.PAUSED:
            _skip(alert, "alerts for this search are paused")
        elif not plan.channels:
            _skip(alert, "no enabled channel")
        elif key in told:
            # Another search of the same user already brought this listing and event.
            alert.notification_id, alert.status = told[key]
            alert.sent_at = now
        elif quiet_end is not None:
            _hold(alert, Alert.Held.QUIET_HOURS if not alert.held_for else alert.held_for, quiet_end)
        elif alert.held_for:
            digest.append(alert)
        else:
            frequency = timing.effective_frequency(account=prefs.frequency, search_override=alert.search.alert_frequency)
            if frequency in (timing.HOURLY, timing.DAILY):
                _hold(alert, frequency, timing.next_digest_at(now=now, tz_name=plan.tz_name, frequency=frequency))
            else:
                instant.setdefault((alert.listing_id, alert.event_key), []).append(alert)

    notifications = []
    room = max(0, prefs.hourly_cap - plan.instant_recent)
    for index, group in enumerate(instant.values()):
        if index < room:
            notifications.append((Notification(user_id=plan.prefs.user_id, kind=Notification.Kind.INSTANT, created_at=now), group))
            continue
        # Over the cap: the rest wait for the hour window to free up, then go as one digest.
        window_frees = (plan.oldest_recent or now) + timedelta(hours=1)
        for alert in group:
            _hold(alert, Alert.Held.HOURLY_CAP, window_frees)
    if digest:
        notifications.append((Notification(user_id=plan.prefs.user_id, kind=Notification.Kind.DIGEST, created_at=now), digest))
    return notifications


def _hold(alert: Alert, reason: str, until: datetime) -> None:
    alert.held_for = reason
    alert.next_attempt_at = until


def _skip(alert: Alert, why: str) -> None:
    alert.status = Alert.Status.SKIPPED
    alert.error = why
