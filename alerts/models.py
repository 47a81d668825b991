from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Alert(models.Model):
    """One event worth telling a person about: a new matching listing, or a price drop."""

    class Kind(models.TextChoices):
        NEW = "new", "New listing"
        PRICE_DROP = "price_drop", "Price drop"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    search = models.ForeignKey("searches.Search", on_delete=models.CASCADE, related_name="alerts")
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "new", or "price_drop:<price>": one alert per search, listing and event.
    event_key = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["search", "listing", "event_key"], name="alert_once_per_search_listing_event"),
        ]
        indexes = [
            # API: a user's alerts, newest first, and the unread count.
            models.Index(fields=["user", "-created_at"], name="alert_user_idx"),
            # delivery: alerts waiting to be sent or retried.
            models.Index(fields=["next_attempt_at"], name="alert_pending_idx", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for search {self.search_id}"
