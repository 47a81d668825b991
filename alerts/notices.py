"""Service notices to a person: a message that is not about a listing.

Such as "a marketplace your searches use has stopped working" and "it works again".
A notice goes through the same channel senders as alerts (``alerts.channels``), as a
``Message`` with no items and the text among its ``notices``: the way the "we turned
off your channel" notice already reaches people, so every channel (e-mail, webhook,
Apprise) renders it without new templates or payload versions. Webhook receivers see
``"type": "notice"``.

Each notice has a ``key`` naming its event; a ``UserNotice`` row per (user, key) is
claimed before sending, so the same event is told to a person once, whichever worker
or round gets there first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.channels import DeliveryError, Sender, sender_for
from alerts.messages import Message
from alerts.models import UserNotice
from alerts.services import channels_for_users
from alerts.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

NOTICE_KIND = "notice"


@dataclass(frozen=True)
class NoticeMessage(Message):
    """A Message carrying only a notice: its subject is the notice's own."""

    notice_subject: str = ""

    @property
    def subject(self) -> str:
        return self.notice_subject


def user_notice_keys_sent(*, keys: list[str]) -> set[tuple[int, str]]:
    """The (user id, key) pairs already claimed among these keys: one query."""
    if not keys:
        return set()
    return set(UserNotice.objects.filter(key__in=keys).values_list("user_id", "key"))


def user_notice_send(
    *, user_id: int, key: str, subject: str, text: str, search_ids: list[int] | None = None, now: datetime | None = None
) -> UserNotice | None:
    """Tell a person something once, through each of their enabled channels.

    Returns the notice, or None when this key was already told to this user (by
    anyone, in any round). Sent at once, not queued: notices are rare and must not wait
    behind a digest or be held by quiet hours. A channel that fails is recorded on the
    row (``error``) and not retried; the next notice tries every channel again.
    ``search_ids``: the searches the notice is about; its unsubscribe link pauses them.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            notice = UserNotice.objects.create(user_id=user_id, key=key[:100], subject=subject[:200], text=text, created_at=now)
    except IntegrityError:
        return None  # told already

    channels = channels_for_users(user_ids={user_id}).get(user_id, [])
    user = notice.user
    message = NoticeMessage(
        notification_id=0,
        kind=NOTICE_KIND,
        user_id=user_id,
        user_email=user.email,
        user_name=getattr(user, "name", ""),
        created_at=now,
        items=[],
        unsubscribe_url=unsubscribe_url(user_id=user_id, search_ids=sorted(search_ids or [])),
        notices=[text],
        notice_subject=subject,
    )
    senders: dict[str, Sender] = {}
    errors: list[str] = []
    sent = 0
    try:
        for channel in channels:
            try:
                if channel.kind not in senders:
                    senders[channel.kind] = sender_for(channel.kind)
                senders[channel.kind].send(message=message, channel=channel)
                sent += 1
            except DeliveryError as exc:
                errors.append(f"{channel.kind} {channel.pk}: {exc}")
            except Exception as exc:  # noqa: BLE001 - one broken channel must not stop the others
                errors.append(f"{channel.kind} {channel.pk}: {type(exc).__name__}")
    finally:
        for sender in senders.values():
            sender.close()
    notice.channels_sent = sent
    notice.sent_at = timezone.now() if sent else None
    notice.error = "; ".join(errors)[:2000] if errors else ("" if channels else "no enabled channel")
    notice.save(update_fields=["channels_sent", "sent_at", "error"])
    # The error may quote an address: it stays on the row; the log gets ids and counts.
    logger.info("user_notice_sent", extra={"user_id": user_id, "key": key, "channels_sent": sent, "channels_failed": len(errors)})
    return notice
