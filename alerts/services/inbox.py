"""The owner's inbox (read marks) and the one-click unsubscribe."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from alerts import timing
from alerts.models import Alert
from alerts.tokens import unsubscribe_token_read

logger = logging.getLogger(__name__)


def search_alerts_pause(*, token: str) -> int:
    """Pause the alerts of the searches a one-click unsubscribe token names. Raises BadSignature."""
    user_id, search_ids = unsubscribe_token_read(token=token)
    search_model = Alert._meta.get_field("search").related_model
    paused = search_model._default_manager.filter(pk__in=search_ids, owner_id=user_id).update(alert_frequency=timing.PAUSED)
    logger.info("search_alerts_paused", extra={"user_id": user_id, "searches": paused})
    return paused


def alert_mark_read(*, alert: Alert) -> Alert:
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


def alerts_mark_all_read(*, user: Any) -> int:
    """Mark every unread alert of a person read; returns how many were unread."""
    return Alert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
