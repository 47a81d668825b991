"""Creating alerts once per event, and delivering them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from alerts.models import Alert

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)


@dataclass(frozen=True)
class AlertEvent:
    """Something a search found worth telling its owner about."""

    user_id: int
    search_id: int
    listing_id: int
    kind: str
    price: Decimal | None
    currency: str

    @property
    def event_key(self) -> str:
        return Alert.Kind.NEW.value if self.kind == Alert.Kind.NEW else f"price_drop:{self.price}"

    @classmethod
    def new_listing(cls, *, search: Any, listing: Any) -> AlertEvent:
        return cls(search.owner_id, search.pk, listing.pk, Alert.Kind.NEW, listing.price, listing.currency)

    @classmethod
    def price_drop(cls, *, search: Any, listing: Any) -> AlertEvent:
        return cls(search.owner_id, search.pk, listing.pk, Alert.Kind.PRICE_DROP, listing.price, listing.currency)


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
                created_at=stamp,
                next_attempt_at=stamp,
            )
            for event in events
        ],
        ignore_conflicts=True,
    )
    # Rows this call inserted carry its time stamp; a conflicting row kept its own.
    created = list(Alert.objects.filter(created_at=stamp, search_id__in={event.search_id for event in events}).values_list("id", flat=True))
    transaction.on_commit(lambda: _queue_delivery(created))
    logger.info("alerts_created", extra={"count": len(created), "events": len(events)})
    return created


def _queue_delivery(alert_ids: list[int]) -> None:
    from django_q.tasks import async_task

    for alert_id in alert_ids:
        async_task("alerts.tasks.deliver_alert", alert_id, task_name=f"deliver-alert:{alert_id}", group="alerts")


def alert_claim(*, alert_id: int) -> Alert | None:
    """Take an alert for delivery; None when another worker has it or it is done."""
    claimed = Alert.objects.filter(pk=alert_id, status=Alert.Status.PENDING).update(status=Alert.Status.SENDING)
    if claimed != 1:
        return None
    return Alert.objects.select_related("user", "search", "listing", "listing__marketplace").get(pk=alert_id)


def alert_deliver(*, alert_id: int) -> str:
    """Send one alert. A failure is retried with backoff, then marked failed with its error."""
    alert = alert_claim(alert_id=alert_id)
    if alert is None:
        return "skipped"
    try:
        _send_email(alert)
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded, never raised
        alert.attempts += 1
        alert.error = f"{type(exc).__name__}: {exc}"[:2000]
        if alert.attempts >= MAX_ATTEMPTS:
            alert.status = Alert.Status.FAILED
        else:
            alert.status = Alert.Status.PENDING
            alert.next_attempt_at = timezone.now() + RETRY_BASE * (2 ** (alert.attempts - 1))
        alert.save(update_fields=["attempts", "error", "status", "next_attempt_at"])
        logger.warning("alert_delivery_failed", extra={"alert_id": alert.pk, "attempts": alert.attempts})
        return alert.status
    alert.attempts += 1
    alert.status = Alert.Status.SENT
    alert.sent_at = timezone.now()
    alert.error = ""
    alert.save(update_fields=["attempts", "status", "sent_at", "error"])
    logger.info("alert_sent", extra={"alert_id": alert.pk, "channel": alert.channel})
    return alert.status


def alerts_deliver_due(*, now: Any = None, limit: int = 200) -> int:
    """Deliver pending alerts whose time has come: retries, and any whose task was lost."""
    now = now or timezone.now()
    ids = list(
        Alert.objects.filter(status=Alert.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    for alert_id in ids:
        alert_deliver(alert_id=alert_id)
    return len(ids)


def _send_email(alert: Alert) -> None:
    context = {
        "alert": alert,
        "listing": alert.listing,
        "search": alert.search,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("alerts/email_subject.txt", context).strip()
    text = render_to_string("alerts/email.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[alert.user.email])
    message.send()


# --- The owner's inbox and the operator's retry (API and admin) ------------------------


def alert_mark_read(*, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


def alerts_mark_all_read(*, user: Any) -> int:
    """Mark every unread alert of a person read; returns how many were unread."""
    return Alert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def alert_retry(*, alert_ids: list[int]) -> int:
    """Give failed alerts a fresh start: pending, attempts reset, delivery queued after commit."""
    with transaction.atomic():
        ids = list(Alert.objects.filter(pk__in=alert_ids, status=Alert.Status.FAILED).values_list("id", flat=True))
        Alert.objects.filter(pk__in=ids).update(status=Alert.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        transaction.on_commit(lambda: _queue_delivery(ids))
    logger.info("alerts_retried", extra={"count": len(ids)})
    return len(ids)
