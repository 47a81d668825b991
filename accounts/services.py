"""Accounts: registering, profile and preferences, passwords, and failed-login limits."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import time as dtime
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from knox.models import AuthToken

from accounts.models import ActivityLog, NotificationPreferences, User
from core.errors import DomainError

logger = logging.getLogger(__name__)

PREFERENCE_FIELDS = ("email_enabled", "frequency", "quiet_hours_start", "quiet_hours_end", "hourly_cap")
HOURLY_CAP_MIN, HOURLY_CAP_MAX = 1, 1000


def _validate_timezone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise DomainError(f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin.", field="timezone")


def _validate_password(password: str, user: User, *, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field=field) from None


@transaction.atomic
def user_register(*, email: str, password: str, name: str = "", timezone: str = "UTC") -> User:
    """Create an account with default notification preferences; the password must pass Django's validators."""
    email = User.objects.normalize_email(email).lower()
    _validate_timezone(timezone)
    if User.objects.filter(email=email).exists():
        raise DomainError("An account with this e-mail address already exists.", field="email")
    user = User(email=email, name=name, timezone=timezone)
    _validate_password(password, user, field="password")
    user.set_password(password)
    user.full_clean()
    user.save()
    NotificationPreferences.objects.create(user=user)
    ActivityLog.objects.create(user=user, action="account_registered", object_type="user", object_id=str(user.pk))
    logger.info("account_registered", extra={"user_id": user.pk})
    return user


def preferences_for(user: User) -> NotificationPreferences:
    preferences, _ = NotificationPreferences.objects.get_or_create(user=user)
    return preferences


@transaction.atomic
def user_update_profile(
    *, user: User, name: str | None = None, timezone: str | None = None, preferences: dict[str, Any] | None = None
) -> User:
    """Change a person's name, time zone and notification preferences (only what is given)."""
    if timezone is not None:
        _validate_timezone(timezone)
        user.timezone = timezone
    if name is not None:
        user.name = name
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "timezone"])
    if preferences:
        current = preferences_for(user)
        for key, value in preferences.items():
            if key not in PREFERENCE_FIELDS:
                raise DomainError(f"Unknown preference {key!r}.", field=f"notifications.{key}")
            setattr(current, key, value)
        start, end = current.quiet_hours_start, current.quiet_hours_end
        if (start is None) != (end is None):
            raise DomainError("Quiet hours need both a start and an end.", field="notifications.quiet_hours_start")
        if isinstance(start, dtime) and start == end:
            raise DomainError("Quiet hours must not start and end at the same time.", field="notifications.quiet_hours_end")
        if not HOURLY_CAP_MIN <= current.hourly_cap <= HOURLY_CAP_MAX:
            raise DomainError(f"The hourly cap must be between {HOURLY_CAP_MIN} and {HOURLY_CAP_MAX}.", field="notifications.hourly_cap")
        current.full_clean()
        current.save()
    ActivityLog.objects.create(user=user, action="profile_updated", object_type="user", object_id=str(user.pk))
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str, keep_token: AuthToken | None = None) -> None:
    """Check the current password, apply the new one and revoke every other API token."""
    if not user.check_password(current_password):
        raise DomainError("The current password is wrong.", field="current_password")
    _validate_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens = AuthToken.objects.filter(user=user)
    if keep_token is not None:
        tokens = tokens.exclude(pk=keep_token.pk)
    revoked, _ = tokens.delete()
    ActivityLog.objects.create(user=user, action="password_changed", object_type="user", object_id=str(user.pk))
    logger.info("password_changed", extra={"user_id": user.pk, "tokens_revoked": revoked})


# Failed-login limits and the one sign-in service live in accounts/login.py.
