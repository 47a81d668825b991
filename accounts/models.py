from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who saves searches. E-mail is the login; soft-deleted via ``deleted_at``."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA time zone, for quiet hours.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the owner deleted the account; erased after the grace period."
    )
    # What deactivation paused on the owner's behalf (ids of searches, ...), restored
    # if they cancel the deletion by signing in within the grace period.
    deletion_hold = models.JSONField(default=dict, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        indexes = [
            # purge_expired: accounts whose grace period has ended.
            models.Index(fields=["deleted_at"], name="user_deleted_at_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.email


class NotificationPreferences(models.Model):
    class Frequency(models.TextChoices):
        INSTANT = "instant", "Instant"
        HOURLY = "hourly", "Hourly digest"
        DAILY = "daily", "Daily digest"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    email_enabled = models.BooleanField(default=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.INSTANT)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    hourly_cap = models.PositiveIntegerField(default=20, help_text="Instant alerts per hour before the rest go into a digest.")

    class Meta:
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"Preferences of user {self.user_id}"


class ActivityLog(models.Model):
    """Who did what, kept for ACTIVITY_LOG_RETENTION_DAYS. Never holds e-mails or IPs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="activity")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        indexes = [
            # purge_expired: rows older than the retention period.
            models.Index(fields=["created_at"], name="activitylog_created_idx"),
            # a person's history, newest first (admin, GDPR export).
            models.Index(fields=["user", "-created_at"], name="activitylog_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ErasureRecord(models.Model):
    """Proof that a person was erased, without keeping who they were.

    ``email_hmac`` is an HMAC-SHA256 of the normalized e-mail keyed with SECRET_KEY: it
    answers "was this address erased?" for whoever holds the key and the address, and
    reveals nothing to anyone else.
    """

    class Reason(models.TextChoices):
        OWNER = "owner", "Owner's request, at once"
        GRACE_EXPIRED = "grace_expired", "Grace period after the owner's deletion ended"
        OPERATOR = "operator", "Operator (gdpr_erase --now)"
        RESTORED = "restored", "Erased again after a backup was restored"

    email_hmac = models.CharField(max_length=64)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    requested_at = models.DateTimeField(null=True, blank=True, help_text="When the owner asked for deletion, if they did.")
    erased_at = models.DateTimeField(default=dj_timezone.now)
    rows_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # "was this address erased?" lookups.
            models.Index(fields=["email_hmac"], name="erasure_email_hmac_idx"),
        ]

    def __str__(self) -> str:
        return f"erasure {self.email_hmac[:12]}... at {self.erased_at:%Y-%m-%d %H:%M}"
