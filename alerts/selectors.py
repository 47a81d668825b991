"""Reading a person's alerts and channels. Another user's row is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from alerts.models import Alert, NotificationChannel


def alert_list_for_user(*, user: User, unread: bool | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(user=user).select_related("listing", "listing__marketplace", "search").order_by("-created_at", "-id")
    if unread is True:
        alerts = alerts.filter(read_at__isnull=True)
    elif unread is False:
        alerts = alerts.filter(read_at__isnull=False)
    return alerts


def alert_get_for_user(*, user: User, alert_id: int) -> Alert:
    return get_object_or_404(alert_list_for_user(user=user), pk=alert_id)


def alerts_unread_count(*, user: User) -> int:
    return Alert.objects.filter(user=user, read_at__isnull=True).count()


def channels_for_user(*, user: User) -> list[NotificationChannel]:
    return list(NotificationChannel.objects.filter(user=user).select_related("user").order_by("pk"))


def channel_get_for_user(*, user: User, channel_id: int) -> NotificationChannel:
    """The user's channel; 404 for anyone else's, so ids reveal nothing."""
    return get_object_or_404(NotificationChannel.objects.select_related("user"), pk=channel_id, user=user)
