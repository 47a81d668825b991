"""Creating alerts once per event, planning who hears what when, and delivering it.

The path of an alert:
1. ``alerts_notify`` stores one row per search, listing and event (repeats are ignored)
   and, once the transaction commits, queues ``alerts.tasks.process_alerts``.
2. ``alerts_plan`` takes the due pending alerts (row-locked, so two workers never plan
   the same one) and, per user, holds them (digest frequency, quiet hours, hourly cap) or
   gathers them into notifications: one per listing and event however many of the user's
   searches matched, or one digest. Each notification gets one ``Delivery`` per channel.
3. ``deliveries_send`` claims each delivery with a conditional update and sends it; a
   failure is retried with exponential backoff, then marked failed with its error; a
   permanent failure turns the channel off and the user hears of it on another channel.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import NotificationPreferences, User
from alerts import timing
from alerts.channels import DeliveryError, Sender, sender_for
from alerts.messages import Message, messages_build
from alerts.models import Alert, Delivery, Notification, NotificationChannel
from alerts.tokens import unsubscribe_token_read
from core.errors import DomainError
from monitoring import metrics

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
STALE_CLAIM = timedelta(minutes=10)
PLAN_BATCH = 5000
SEND_BATCH = 500
TASK_CHUNK = 200  # alerts per process_alerts task, so several workers share a big scout run
SWEEP_GRACE = timedelta(minutes=1)  # new alerts belong to their task first; the sweep takes the ones it lost


@dataclass(frozen=True)
class AlertEvent:
    """Something a search found worth telling its owner about."""

    user_id: int
    search_id: int
    listing_id: int
    kind: str
    price: Decimal | None
    currency: str
    deal_score: Decimal | None = None
    score_explanation: str = ""

    @property
    def event_key(self) -> str:
        return Alert.Kind.NEW.value if self.kind == Alert.Kind.NEW else f"price_drop:{self.price}"

    @classmethod
    def new_listing(cls, *, search: Any, listing: Any, match: Any = None) -> AlertEvent:
        return cls(search.owner_id, search.pk, listing.pk, Alert.Kind.NEW, listing.price, listing.currency, *_verdict(match))

    @classmethod
    def price_drop(cls, *, search: Any, listing: Any, match: Any = None) -> AlertEvent:
        return cls(search.owner_id, search.pk, listing.pk, Alert.Kind.PRICE_DROP, listing.price, listing.currency, *_verdict(match))


def _verdict(match: Any) -> tuple[Decimal | None, str]:
    if match is None:
        return None, ""
    return match.deal_score, (match.score_explanation or "")[:300]


# --- 1. creating ----------------------------------------------------------------------


def alerts_notify(*, events: list[AlertEvent]) -> list[int]:
    """Create at most one alert per search, listing and event, and queue their delivery.

    Returns the ids of the alerts this call created (a repeat of a known event creates none).
    """
    if not events:
        return []
    stamp = timezone.now()
    Alert.objects.bulk_create(
        [
            Alert(
                user_id=event.user_id,
                search_id=event.search_id,
                listing_id=event.listing_id,
                kind=event.kind,
                event_key=event.event_key,
                price=event.price,
                currency=event.currency,
                deal_score=event.deal_score,
                score_explanation=event.score_explanation,
                created_at=stamp,
                next_attempt_at=stamp,
            )
            for event in events
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    # Rows this call inserted carry its time stamp; a conflicting row kept its own.
    created = list(Alert.objects.filter(created_at=stamp, search_id__in={event.search_id for event in events}).values_list("id", "user_id"))
    if created:
        chunks = _chunks_by_user(created)
        transaction.on_commit(lambda: _queue_processing(chunks))
    logger.info("alerts_created", extra={"count": len(created), "events": len(events)})
    return [alert_id for alert_id, _user_id in created]


def _chunks_by_user(rows: list[tuple[int, int]]) -> list[list[int]]:
    """Alert ids in chunks for parallel workers; one user's alerts always share a chunk.

    Keeping a user's alerts together is what lets planning name every search that found
    a listing in one message, even when several workers plan at the same time.
    """
    by_user: dict[int, list[int]] = defaultdict(list)
    for alert_id, user_id in rows:
        by_user[user_id].append(alert_id)
    chunks: list[list[int]] = [[]]
    for ids in by_user.values():
        if chunks[-1] and len(chunks[-1]) + len(ids) > TASK_CHUNK:
            chunks.append([])
        chunks[-1].extend(ids)
    return chunks


def _queue_processing(chunks: list[list[int]]) -> None:
    from django_q.tasks import async_task

    try:
        for chunk in chunks:
            async_task("alerts.tasks.process_alerts", chunk, group="alerts")
    except Exception as exc:  # noqa: BLE001 - the alerts are stored; the minute sweep sends them
        logger.warning("alerts_queue_failed", extra={"chunks": len(chunks), "error": type(exc).__name__})


# --- 2. planning ----------------------------------------------------------------------


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
        row = recent.get(user.pk, {})
        plans[user.pk] = _UserPlan(prefs, user.timezone, active, row.get("count", 0), row.get("oldest"))
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


def channels_for_users(*, user_ids: set[int]) -> dict[int, list[NotificationChannel]]:
    """Each user's enabled channels; the account's own e-mail channel is made on first use."""
    rows = list(NotificationChannel.objects.filter(user_id__in=user_ids))
    has_email = {row.user_id for row in rows if row.kind == NotificationChannel.Kind.EMAIL}
    missing = set(user_ids) - has_email
    if missing:
        NotificationChannel.objects.bulk_create(
            [NotificationChannel(user_id=user_id, kind=NotificationChannel.Kind.EMAIL) for user_id in missing], ignore_conflicts=True
        )
        rows = list(NotificationChannel.objects.filter(user_id__in=user_ids))
    channels: dict[int, list[NotificationChannel]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row.pk):
        if row.enabled:
            channels[row.user_id].append(row)
    return channels


# --- 3. delivering --------------------------------------------------------------------


def deliveries_send(*, delivery_ids: list[int] | None = None, now: datetime | None = None, limit: int = SEND_BATCH) -> Counter[str]:
    """Claim and send the given deliveries (or the due ones); outcomes counted by "sent", "retry", "failed".

    A batch costs a few queries plus one per delivery (marking it done right after it
    went out, so a crash never makes us send it twice); one connection per channel kind.
    """
    now = now or timezone.now()
    deliveries = deliveries_claim(delivery_ids=delivery_ids, now=now, limit=limit)
    if not deliveries:
        return Counter()
    notifications = {delivery.notification_id: delivery.notification for delivery in deliveries}
    messages = messages_build(notifications=list(notifications.values()))
    outcomes: Counter[str] = Counter()
    finished: set[int] = set()
    senders: dict[str, Sender] = {}
    try:
        for delivery in deliveries:
            outcome = _delivery_attempt(delivery, messages.get(delivery.notification_id), senders=senders, now=now)
            outcomes[outcome] += 1
            if outcome != "retry":
                finished.add(delivery.notification_id)
    finally:
        for sender in senders.values():
            sender.close()
    notifications_settle(notification_ids=finished)
    return outcomes


def deliveries_claim(*, delivery_ids: list[int] | None, now: datetime, limit: int) -> list[Delivery]:
    """Take due pending deliveries for this worker: locked rows another worker holds are skipped."""
    with transaction.atomic():
        due = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        if delivery_ids is not None:
            due = due.filter(pk__in=delivery_ids)
        ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.SENDING, claimed_at=now)
    return list(Delivery.objects.filter(pk__in=ids).select_related("channel", "notification").order_by("pk"))


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery: "sent", "retry", "failed", or "skipped" when it is not ours to send."""
    outcomes = deliveries_send(delivery_ids=[delivery_id], now=now)
    return next(iter(outcomes), "skipped")


def _delivery_attempt(delivery: Delivery, message: Message | None, *, senders: dict[str, Sender], now: datetime) -> str:
    channel = delivery.channel
    try:
        if not channel.enabled:
            raise DeliveryError(f"channel turned off: {channel.disabled_reason or 'by its owner'}", permanent=True)
        if message is None:
            raise DeliveryError("nothing left to send (its alerts were deleted)", permanent=True)
        if channel.kind not in senders:
            senders[channel.kind] = sender_for(channel.kind)
        senders[channel.kind].send(message=message, channel=channel)
    except DeliveryError as exc:
        return _delivery_failed(delivery, str(exc), permanent=exc.permanent, now=now)
    except Exception as exc:  # noqa: BLE001 - a broken channel must not stop the batch; retried like any failure
        return _delivery_failed(delivery, f"{type(exc).__name__}", permanent=False, now=now)

    delivery.status = Delivery.Status.SENT
    delivery.attempts += 1
    delivery.sent_at = timezone.now()
    delivery.error = ""
    delivery.save(update_fields=["status", "attempts", "sent_at", "error"])
    if message.notice_channel_ids:
        NotificationChannel.objects.filter(pk__in=message.notice_channel_ids).update(notice_pending=False)
    metrics.alerts_sent_total.labels(channel=channel.kind, status="sent").inc()
    for item in message.items:
        delay = (delivery.sent_at - item.first_seen_at).total_seconds()
        metrics.alert_delivery_delay_seconds.labels(channel=channel.kind).observe(max(0.0, delay))
    logger.info("alert_delivery_sent", extra={"delivery_id": delivery.pk, "channel_id": channel.pk, "channel": channel.kind})
    return "sent"


def _delivery_failed(delivery: Delivery, error: str, *, permanent: bool, now: datetime) -> str:
    channel = delivery.channel
    delivery.attempts += 1
    delivery.error = error[:2000]
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.status = Delivery.Status.PENDING
        delivery.next_attempt_at = now + RETRY_BASE * (2 ** (delivery.attempts - 1))
    delivery.save(update_fields=["attempts", "error", "status", "next_attempt_at"])
    if permanent and channel.enabled:
        # Turn it off and tell the user on another channel, with the next message.
        NotificationChannel.objects.filter(pk=channel.pk, enabled=True).update(
            enabled=False, disabled_reason=error[:500], disabled_at=now, notice_pending=True
        )
        channel.enabled = False
        logger.warning("alert_channel_disabled", extra={"channel_id": channel.pk, "channel": channel.kind})
    outcome = "failed" if delivery.status == Delivery.Status.FAILED else "retry"
    metrics.alerts_sent_total.labels(channel=channel.kind, status=outcome).inc()
    # The error may quote the address: it goes to the row (admin), never to the log.
    logger.warning(
        "alert_delivery_failed",
        extra={
            "delivery_id": delivery.pk,
            "channel_id": channel.pk,
            "channel": channel.kind,
            "attempts": delivery.attempts,
            "outcome": outcome,
        },
    )
    return outcome


def notifications_settle(*, notification_ids: set[int]) -> None:
    """Once every delivery of a notification is done, its alerts are sent (one got through) or failed."""
    if not notification_ids:
        return
    by_notification: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for notification_id, status, error in Delivery.objects.filter(notification_id__in=notification_ids).values_list(
        "notification_id", "status", "error"
    ):
        by_notification[notification_id].append((status, error))
    sent, failed = [], {}
    for notification_id, rows in by_notification.items():
        statuses = {status for status, _ in rows}
        if statuses & {Delivery.Status.PENDING, Delivery.Status.SENDING}:
            continue
        if Delivery.Status.SENT in statuses:
            sent.append(notification_id)
        else:
            failed[notification_id] = "; ".join(error for _, error in rows)[:2000]
    if sent:
        first_sent = Delivery.objects.filter(notification_id=OuterRef("notification_id"), status=Delivery.Status.SENT).order_by("sent_at")
        Alert.objects.filter(notification_id__in=sent).update(
            status=Alert.Status.SENT, error="", sent_at=Subquery(first_sent.values("sent_at")[:1])
        )
    for notification_id, error in failed.items():  # rare: every channel failed
        Alert.objects.filter(notification_id=notification_id).update(status=Alert.Status.FAILED, error=error or "no channel")


def deliveries_release_stale(*, now: datetime | None = None) -> int:
    """Give back deliveries whose worker died mid-send, so they are tried again."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Delivery.Status.PENDING, next_attempt_at=now
    )


def alerts_process(*, alert_ids: list[int]) -> Counter[str]:
    """Plan the given new alerts and send what is due at once (the instant path)."""
    return deliveries_send(delivery_ids=alerts_plan(alert_ids=alert_ids).delivery_ids)


def alerts_deliver_due(*, now: datetime | None = None) -> Counter[str]:
    """The periodic sweep: due digests and held alerts, retries, and work whose task was lost."""
    now = now or timezone.now()
    deliveries_release_stale(now=now)
    while alerts_plan(now=now, limit=PLAN_BATCH, created_before=now - SWEEP_GRACE).alerts == PLAN_BATCH:
        pass
    outcomes: Counter[str] = Counter()
    while True:
        batch = deliveries_send(now=now)
        outcomes.update(batch)
        if sum(batch.values()) < SEND_BATCH:
            return outcomes


def alert_retry(*, alert_ids: list[int]) -> int:
    """Send failed alerts again, on the user's channels as they are now. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        count = Alert.objects.filter(pk__in=alert_ids, status=Alert.Status.FAILED).update(
            status=Alert.Status.PENDING, notification=None, held_for="", next_attempt_at=now, error="", attempts=0
        )
    if count:
        chunks = _chunks_by_user(list(Alert.objects.filter(pk__in=alert_ids, status=Alert.Status.PENDING).values_list("id", "user_id")))
        transaction.on_commit(lambda: _queue_processing(chunks))
    logger.info("alerts_retried", extra={"count": count})
    return count


# --- unsubscribe and channels ----------------------------------------------------------


def search_alerts_pause(*, token: str) -> int:
    """Pause the alerts of the searches a one-click unsubscribe token names. Raises BadSignature."""
    user_id, search_ids = unsubscribe_token_read(token=token)
    search_model = Alert._meta.get_field("search").related_model
    paused = search_model.objects.filter(pk__in=search_ids, owner_id=user_id).update(alert_frequency=timing.PAUSED)
    logger.info("search_alerts_paused", extra={"user_id": user_id, "searches": paused})
    return paused


def channel_create(
    *, user: User, kind: str, label: str = "", url: str = "", address: str = "", secret: str = ""
) -> tuple[NotificationChannel, str]:
    """Add a channel. Returns it and, for a webhook, its signing secret (shown this once)."""
    channel = NotificationChannel(user=user, kind=kind, label=label)
    shown = ""
    if kind == NotificationChannel.Kind.WEBHOOK:
        _channel_set_url(channel, url)
        channel.secret = shown = secret or secrets.token_urlsafe(32)
    elif kind == NotificationChannel.Kind.APPRISE:
        _channel_set_url(channel, url)
    elif kind == NotificationChannel.Kind.EMAIL:
        if NotificationChannel.objects.filter(user=user, kind=kind).exists():
            raise DomainError("You already have an e-mail channel; change its address instead.", field="kind")
        channel.config = {"address": address} if address else {}
    else:
        raise DomainError(f"Unknown channel kind {kind!r}.", field="kind")
    channel.full_clean()
    channel.save()
    logger.info("alert_channel_created", extra={"channel_id": channel.pk, "channel": kind, "user_id": user.pk})
    return channel, shown


def _channel_set_url(channel: NotificationChannel, url: str) -> None:
    """Check a webhook or Apprise URL (public address, readable) and store it where it belongs."""
    from alerts.channels.apprise import apprise_url_check
    from alerts.channels.webhook import allow_private_addresses
    from core.netguard import AddressNotAllowed, check_url_allowed

    if channel.kind == NotificationChannel.Kind.WEBHOOK:
        try:
            check_url_allowed(url, allow_private=allow_private_addresses())
        except AddressNotAllowed as exc:
            raise DomainError(str(exc), field="url", code="address_not_allowed") from None
        channel.config = {**channel.config, "url": url}
    elif channel.kind == NotificationChannel.Kind.APPRISE:
        try:
            apprise_url_check(url)
        except DeliveryError as exc:
            raise DomainError(str(exc), field="url", code="address_not_allowed") from None
        channel.secret = url
    else:
        raise DomainError("An e-mail channel has no URL.", field="url")


def channel_update(
    *, channel: NotificationChannel, label: str | None = None, enabled: bool | None = None, url: str | None = None
) -> NotificationChannel:
    """Rename, point elsewhere, turn off, or turn back on (which forgets why it was turned off)."""
    if label is not None:
        channel.label = label
    if url is not None:
        _channel_set_url(channel, url)
    if enabled is not None and enabled != channel.enabled:
        channel.enabled = enabled
        if enabled:
            channel.disabled_reason, channel.disabled_at, channel.notice_pending = "", None, False
        else:
            channel.disabled_reason, channel.disabled_at = "turned off by its owner", timezone.now()
    channel.full_clean()
    channel.save()
    return channel


# --- The owner's inbox (API) ----------------------------------------------------------


def alert_mark_read(*, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


def alerts_mark_all_read(*, user: Any) -> int:
    """Mark every unread alert of a person read; returns how many were unread."""
    return Alert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
