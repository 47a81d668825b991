from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.crypto import EncryptedTextField


class NotificationChannel(models.Model):
    """One place a person wants alerts: an e-mail address, a webhook, or an Apprise URL.

    ``config`` holds what may be shown (the webhook URL, the e-mail address); ``secret``
    holds what may not (the webhook signing secret, the Apprise URL with its tokens),
    and is only ever shown masked.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook"
        APPRISE = "apprise", "Apprise URL"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_channels")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="Non-secret settings: webhook url, e-mail address.")
    # Encrypted at rest (core.crypto): a database dump holds only ciphertext; never filtered on.
    secret = EncryptedTextField(blank=True, help_text="Webhook signing secret or Apprise URL; shown masked, stored encrypted.")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Set when we turned the channel off ourselves; cleared once another channel told the user.
    notice_pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The account's own address is one channel; a second one would send every alert twice.
            models.UniqueConstraint(fields=["user"], condition=Q(kind="email"), name="channel_one_email_per_user"),
        ]
        indexes = [
            # delivery planning: the enabled channels of a batch of users.
            models.Index(fields=["user", "kind"], name="channel_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} channel {self.pk} of user {self.user_id}"

    @property
    def masked_secret(self) -> str:
        return mask_secret(self.secret)


def mask_secret(secret: str) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    if not secret:
        return ""
    scheme, sep, _rest = secret.partition("://")
    prefix = f"{scheme}://" if sep and len(scheme) <= 12 else ""
    tail = secret[-4:] if len(secret) >= 16 else ""
    return f"{prefix}****{tail}"


class Notification(models.Model):
    """One message to one person: an instant alert or a digest, sent on each of their channels."""

    class Kind(models.TextChoices):
        INSTANT = "instant", "Instant"
        DIGEST = "digest", "Digest"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # hourly cap: a user's instant messages in the last hour.
            models.Index(fields=["user", "kind", "created_at"], name="notification_user_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notification {self.pk} for user {self.user_id}"


class Delivery(models.Model):
    """Sending one notification on one channel: claimed, retried with backoff, then sent or failed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(NotificationChannel, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            # deliver_due: deliveries waiting to be sent or retried.
            models.Index(fields=["next_attempt_at"], name="delivery_pending_idx", condition=Q(status="pending")),
            # release of claims a dead worker left behind.
            models.Index(fields=["claimed_at"], name="delivery_sending_idx", condition=Q(status="sending")),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"


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
        SKIPPED = "skipped", "Skipped"

    class Held(models.TextChoices):
        NO = "", "Not held"
        HOURLY = "hourly", "Hourly digest"
        DAILY = "daily", "Daily digest"
        QUIET_HOURS = "quiet_hours", "Quiet hours"
        HOURLY_CAP = "hourly_cap", "Hourly cap reached"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    search = models.ForeignKey("searches.Search", on_delete=models.CASCADE, related_name="alerts")
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "new", or "price_drop:<price>": one alert per search, listing and event.
    event_key = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The match's verdict when the alert was made, so the message says what the user saw.
    deal_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    score_explanation = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Why a pending alert waits for a digest instead of going out at once.
    held_for = models.CharField(max_length=20, choices=Held.choices, default=Held.NO, blank=True)
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
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
            # delivery: alerts waiting to be planned, or held for a digest.
            models.Index(fields=["next_attempt_at"], name="alert_pending_idx", condition=Q(status="pending")),
            # delivery: has this user already been told about this listing and event?
            models.Index(fields=["user", "listing", "event_key"], name="alert_user_listing_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for search {self.search_id}"


class UserNotice(models.Model):
    """A service notice we sent a person (a marketplace they depend on broke, or works again).

    ``key`` names the event (``outage:12:down``); the unique constraint makes sending one
    at most once per person however many rounds and workers try (alerts.notices).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    channels_sent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="usernotice_once_per_user_key"),
        ]

    def __str__(self) -> str:
        return f"notice {self.key} to user {self.user_id}"
