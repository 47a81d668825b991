"""Changing the sign-in address: a signed link to the new address proves the person reads it.

The address changes only when the link is opened, and only if the account still has the
address the link was made for (so an old link cannot undo a later change). The link is
valid for EMAIL_CHANGE_MAX_AGE seconds; the old address is told once the change is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import ActivityLog, User
from core.errors import DomainError

logger = logging.getLogger(__name__)

_SALT = "accounts.email_change"
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def email_change_request(*, user: User, password: str, new_email: str, confirm_url: Callable[[str], str]) -> str:
    """Check the password, send a confirmation link to ``new_email``; returns the token. Nothing changes yet."""
    if not user.check_password(password):
        raise DomainError("Wrong password.", field="password", code="wrong_password")
    new_email = User.objects.normalize_email(new_email.strip()).lower()
    try:
        validate_email(new_email)
    except ValidationError:
        raise DomainError("Enter a valid e-mail address.", field="new_email") from None
    if new_email == user.email:
        raise DomainError("That is already your address.", field="new_email")
    if User.objects.filter(email__iexact=new_email).exists():
        raise DomainError("An account with this e-mail address already exists.", field="new_email")
    token = signing.dumps({"u": user.pk, "old": user.email, "new": new_email}, salt=_SALT)
    send_mail(
        subject="Confirm your new Deal Scout address",
        message=(
            "Someone (we hope you) asked to sign in to Deal Scout with this address from now on.\n\n"
            f"Open this link within 24 hours to confirm: {confirm_url(token)}\n\n"
            "If it was not you, ignore this message: nothing changes."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[new_email],
    )
    ActivityLog.objects.create(user=user, action="email_change_requested", object_type="user", object_id=str(user.pk))
    logger.info("email_change_requested", extra={"user_id": user.pk})
    return token


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    """Apply the change a link names; DomainError when it is forged, expired or used up."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError("This link has expired; ask for a new one in your settings.", code="expired") from None
    except signing.BadSignature:
        raise DomainError("This link is not valid.", code="invalid_token") from None
    user = User.objects.select_for_update().filter(pk=data["u"], email=data["old"]).first()
    if user is None:
        raise DomainError("This link was already used or the address has changed since.", code="invalid_token")
    if User.objects.filter(email__iexact=data["new"]).exclude(pk=user.pk).exists():
        raise DomainError("An account with this e-mail address already exists.", field="new_email")
    old = user.email
    user.email = data["new"]
    user.save(update_fields=["email"])
    ActivityLog.objects.create(user=user, action="email_changed", object_type="user", object_id=str(user.pk))
    logger.info("email_changed", extra={"user_id": user.pk})
    transaction.on_commit(
        lambda: send_mail(
            subject="Your Deal Scout address was changed",
            message="The address you sign in to Deal Scout with was changed. If it was not you, reset your password now.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[old],
            fail_silently=True,
        )
    )
    return user
