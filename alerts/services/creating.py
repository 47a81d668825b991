"""Creating alerts: one row per search, listing and event, then their processing is queued.

``alerts_notify`` stores the alerts (repeats are ignored) and, once the transaction
commits, queues ``alerts.tasks.process_alerts`` in chunks that keep one user's alerts
together. ``alert_retry`` puts failed alerts back on that same path.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert

logger = logging.getLogger(__name__)

TASK_CHUNK = 200  # alerts per process_alerts task, so several workers share a big scout run


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
    from core import taskqueue

    try:
        # At the head of the queue (Redis): an alert is minutes from its listing by promise,
        # and must not wait behind a round of scouts queued before it.
        taskqueue.enqueue_many(
            "alerts.tasks.process_alerts", (((chunk,), "process-alerts") for chunk in chunks), group="alerts", ahead=True
        )
    except Exception as exc:  # noqa: BLE001 - the alerts are stored; the minute sweep sends them
        logger.warning("alerts_queue_failed", extra={"chunks": len(chunks), "error": type(exc).__name__})


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
