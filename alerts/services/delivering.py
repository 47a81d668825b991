"""Delivering: claim each delivery, send it, retry with backoff, settle its alerts.

``deliveries_send`` claims each delivery with a conditional update and sends it; a
failure is retried with exponential backoff, then marked failed with its error; a
permanent failure turns the channel off and the user hears of it on another channel.
``alerts_process`` (the instant path) and ``alerts_deliver_due`` (the minute sweep)
plan and then send.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alerts.channels import DeliveryError, Sender, sender_for
from alerts.messages import Message, messages_build
from alerts.models import Alert, Delivery, NotificationChannel
from alerts.services.planning import PLAN_BATCH, alerts_plan
from monitoring import metrics

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
STALE_CLAIM = timedelta(minutes=10)

SEND_BATCH = 500

SWEEP_GRACE = timedelta(minutes=1)  # new alerts belong to their task first; the sweep takes the ones it lost


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
