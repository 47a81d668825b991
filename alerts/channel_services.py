"""Actions on one channel that the API and the web pages share: remove it, send it a test.

A module of its own (not alerts/services.py) so that it stays small; both import the
channel rules from here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from alerts.channels import DeliveryError, sender_for
from alerts.messages import Message, MessageItem
from alerts.models import NotificationChannel
from alerts.tokens import unsubscribe_url
from core.errors import DomainError

logger = logging.getLogger(__name__)


def channel_delete(*, channel: NotificationChannel) -> None:
    """Remove a webhook or Apprise channel; the account's e-mail channel can only be turned off."""
    if channel.kind == NotificationChannel.Kind.EMAIL:
        raise DomainError("the account's e-mail channel cannot be deleted; turn it off instead", field="kind")
    channel_id = channel.pk
    channel.delete()
    logger.info("alert_channel_deleted", extra={"channel_id": channel_id})


@dataclass(frozen=True)
class TestResult:
    ok: bool
    detail: str


def channel_send_test(*, channel: NotificationChannel) -> TestResult:
    """Send one sample alert on this channel now, through its real sender, and say how it went.

    Nothing is stored: no alert, notification or delivery row, and a failure does not
    turn the channel off (the owner is looking at the answer).
    """
    user = channel.user
    now = timezone.now()
    item = MessageItem(
        kind="new",
        listing_id=0,
        title="Test alert from Deal Scout",
        url="https://example.com/deal-scout-test-listing",
        image_url="",
        price=Decimal("99.00"),
        currency="USD",
        marketplace="Deal Scout",
        location="",
        condition="",
        first_seen_at=now,
        deal_score=None,
        score_explanation="This is a test: your real alerts look like this.",
        searches=[],
    )
    message = Message(
        notification_id=0,
        kind="instant",
        user_id=user.pk,
        user_email=user.email,
        user_name=user.name,
        created_at=now,
        items=[item],
        unsubscribe_url=unsubscribe_url(user_id=user.pk, search_ids=[]),
    )
    try:
        sender = sender_for(channel.kind)
        try:
            sender.send(message=message, channel=channel)
        finally:
            sender.close()
    except DeliveryError as exc:
        logger.info("alert_channel_test_failed", extra={"channel_id": channel.pk, "channel": channel.kind})
        return TestResult(ok=False, detail=str(exc))
    logger.info("alert_channel_test_sent", extra={"channel_id": channel.pk, "channel": channel.kind})
    return TestResult(ok=True, detail="Sent. Check that it arrived.")
