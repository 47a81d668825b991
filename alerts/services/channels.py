"""The channels people manage: create, update, delete, send a test, and the e-mail channel every account has.

(The senders that talk to mail servers, webhooks and Apprise live in ``alerts/channels/``.)
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from alerts.channels import DeliveryError, sender_for
from alerts.messages import Message, MessageItem
from alerts.models import NotificationChannel
from alerts.tokens import unsubscribe_url
from core.errors import DomainError

logger = logging.getLogger(__name__)


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
    logger.info("alert_channel_updated", extra={"channel_id": channel.pk, "channel": channel.kind, "enabled": channel.enabled})
    return channel


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
