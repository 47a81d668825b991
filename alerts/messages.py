"""What a notification says, as plain values every channel renders in its own way.

One item per listing and event: a listing that several of the user's searches matched
is one item naming every one of those searches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from alerts.models import Alert, Notification, NotificationChannel
from alerts.tokens import listing_page_url, search_manage_url, unsubscribe_url


@dataclass(frozen=True)
class SearchRef:
    id: int
    name: str
    manage_url: str
    unsubscribe_url: str


@dataclass(frozen=True)
class MessageItem:
    kind: str  # "new" or "price_drop"
    listing_id: int
    title: str
    url: str
    image_url: str
    price: Decimal | None
    currency: str
    marketplace: str
    location: str
    condition: str
    first_seen_at: datetime
    deal_score: Decimal | None
    score_explanation: str
    searches: list[SearchRef]
    page_url: str = ""  # the listing's page in the web app: price history and why it is a deal

    @property
    def search_names(self) -> str:
        return ", ".join(search.name for search in self.searches)


@dataclass(frozen=True)
class Message:
    notification_id: int
    kind: str  # "instant" or "digest"
    user_id: int
    user_email: str
    user_name: str
    created_at: datetime
    items: list[MessageItem]
    unsubscribe_url: str  # pauses every search this message names
    notices: list[str] = field(default_factory=list)
    notice_channel_ids: list[int] = field(default_factory=list)

    @property
    def subject(self) -> str:
        if self.kind == Notification.Kind.DIGEST:
            return f"Deal Scout digest: {len(self.items)} listing{'s' if len(self.items) != 1 else ''}"
        item = self.items[0]
        what = "Price drop" if item.kind == Alert.Kind.PRICE_DROP else "New match"
        price = f" - {item.price} {item.currency}" if item.price is not None else ""
        title = item.title if len(item.title) <= 80 else item.title[:79] + "…"
        return f"{what}: {title}{price}"


def messages_build(*, notifications: list[Notification]) -> dict[int, Message]:
    """Messages for a batch of notifications in three queries, whatever the batch size."""
    ids = [notification.pk for notification in notifications]
    alerts = (
        Alert.objects.filter(notification_id__in=ids)
        .select_related("user", "search", "listing", "listing__marketplace")
        .order_by("created_at", "pk")
    )
    by_notification: dict[int, list[Alert]] = defaultdict(list)
    for alert in alerts:
        if alert.notification_id is not None:  # always: the query asked for these notifications
            by_notification[alert.notification_id].append(alert)
    user_ids = {notification.user_id for notification in notifications}
    notices: dict[int, list[NotificationChannel]] = defaultdict(list)
    for channel in NotificationChannel.objects.filter(user_id__in=user_ids, notice_pending=True, enabled=False):
        notices[channel.user_id].append(channel)

    messages = {}
    for notification in notifications:
        group = by_notification.get(notification.pk, [])
        if not group:
            continue
        user = group[0].user
        items = _items(group)
        search_ids = sorted({ref.id for item in items for ref in item.searches})
        messages[notification.pk] = Message(
            notification_id=notification.pk,
            kind=notification.kind,
            user_id=user.pk,
            user_email=user.email,
            user_name=user.name,
            created_at=notification.created_at,
            items=items,
            unsubscribe_url=unsubscribe_url(user_id=user.pk, search_ids=search_ids),
            notices=[_notice(channel) for channel in notices.get(user.pk, [])],
            notice_channel_ids=[channel.pk for channel in notices.get(user.pk, [])],
        )
    return messages


def _items(alerts: list[Alert]) -> list[MessageItem]:
    grouped: dict[tuple[int, str], list[Alert]] = {}
    for alert in alerts:
        grouped.setdefault((alert.listing_id, alert.event_key), []).append(alert)
    items = []
    for group in grouped.values():
        first = group[0]
        listing = first.listing
        best = max(group, key=lambda alert: alert.deal_score if alert.deal_score is not None else Decimal("-Infinity"))
        searches: dict[int, SearchRef] = {}
        for alert in group:
            searches.setdefault(
                alert.search_id,
                SearchRef(
                    id=alert.search_id,
                    name=alert.search.name,
                    manage_url=search_manage_url(search_id=alert.search_id),
                    unsubscribe_url=unsubscribe_url(user_id=alert.user_id, search_ids=[alert.search_id]),
                ),
            )
        items.append(
            MessageItem(
                kind=first.kind,
                listing_id=listing.pk,
                title=listing.title,
                url=listing.url,
                image_url=listing.image_url,
                price=first.price,
                currency=first.currency,
                marketplace=listing.marketplace.name,
                location=listing.location,
                condition=listing.get_condition_display(),
                first_seen_at=listing.first_seen_at,
                deal_score=best.deal_score,
                score_explanation=best.score_explanation,
                searches=list(searches.values()),
                page_url=listing_page_url(listing_id=listing.pk),
            )
        )
    return items


def _notice(channel: NotificationChannel) -> str:
    name = channel.label or channel.get_kind_display()
    kind = channel.get_kind_display().lower()
    return f'We turned off your {kind} channel "{name}": {channel.disabled_reason}. Fix it, then turn it back on in your channel settings.'
