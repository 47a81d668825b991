from __future__ import annotations

from django.shortcuts import get_object_or_404

from accounts.models import User
from alerts.models import NotificationChannel


def channels_for_user(*, user: User) -> list[NotificationChannel]:
    return list(NotificationChannel.objects.filter(user=user).select_related("user").order_by("pk"))


def channel_get_for_user(*, user: User, channel_id: int) -> NotificationChannel:
    """The user's channel; 404 for anyone else's, so ids reveal nothing."""
    return get_object_or_404(NotificationChannel.objects.select_related("user"), pk=channel_id, user=user)
