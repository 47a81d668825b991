"""The rights of the person: export, deletion with a grace period, erasure.

Commands, API views and the admin action are thin callers of these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts import personal_data
from accounts.models import ActivityLog, ErasureRecord, User
from core.errors import DomainError

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1
# Shorter strings would match unrelated text everywhere ("al", "tv").
MIN_SCRUB_LENGTH = 3


class UnknownPerson(DomainError):
    """No account has that e-mail address."""


def email_hmac(email: str) -> str:
    """The audit fingerprint of an address: HMAC-SHA256 keyed with SECRET_KEY."""
    return hmac.new(settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def user_get_by_email(*, email: str) -> User:
    try:
        return User.objects.get(email__iexact=email.strip())
    except User.DoesNotExist:
        raise UnknownPerson(f"No account with the e-mail address {email.strip()!r}.") from None


def grace_cutoff(*, now: datetime | None = None) -> datetime:
    """Accounts deleted before this instant are past their grace period."""
    return (now or timezone.now()) - timedelta(days=settings.DELETED_USER_GRACE_DAYS)


def erase_due_at(user: User) -> datetime | None:
    """When the purge erases a deleted account (None when not deleted)."""
    return user.deleted_at + timedelta(days=settings.DELETED_USER_GRACE_DAYS) if user.deleted_at else None


def user_deletion_pending(user: User, *, now: datetime | None = None) -> bool:
    """True while a deleted account can still be restored by signing in."""
    return user.deleted_at is not None and user.deleted_at >= grace_cutoff(now=now)


# --- export ---------------------------------------------------------------------------


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything we hold about ``user``, as one JSON-ready document.

    ``records`` maps each model label to the person's rows of that model, so a reader
    (and the completeness test) can see which tables were covered.
    """
    records: dict[str, Any] = {}
    for name, exporter in sorted(personal_data.exporters().items()):
        for label, rows in exporter(user=user).items():
            if label in records:
                raise DomainError(f"Two exporters ({name} and another) both export {label}.")
            records[label] = rows
    logger.info("user_data_exported", extra={"user_id": user.pk, "sections": len(records)})
    return {
        "format": "dealscout-personal-data",
        "version": EXPORT_FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "user_id": user.pk,
        "records": dict(sorted(records.items())),
    }


# --- deletion with a grace period -----------------------------------------------------


def user_delete_request(*, user: User, now: datetime | None = None) -> User:
    """The owner deleted the account: deactivate it now, erase it after the grace period.

    Tokens and sessions are revoked, and each app stops what it does on the person's
    behalf (searches paused, pending alerts stopped); what was paused is kept in
    ``deletion_hold`` so that signing in again restores it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.deleted_at is not None:
            return user
        hold: dict[str, Any] = {}
        for name, hook in sorted(personal_data.account_hooks().items()):
            hold[name] = hook.deactivate(user=user)
        revoked = user_sessions_revoke(user=user)
        user.deleted_at = now
        user.is_active = False
        user.deletion_hold = hold
        user.save(update_fields=["deleted_at", "is_active", "deletion_hold"])
        ActivityLog.objects.create(user=user, action="account_deletion_requested", object_type="user", object_id=str(user.pk))
    logger.info("account_deletion_requested", extra={"user_id": user.pk, "tokens_revoked": revoked})
    return user


def user_delete_confirmed(*, user: User, password: str, now: datetime | None = None) -> User:
    """The owner asked to delete the account and typed its password: check it, then delete.

    The API's DELETE /api/v1/auth/me and the web app's account page both come here.
    """
    if not user.check_password(password):
        raise DomainError("Wrong password.", field="password", code="wrong_password")
    return user_delete_request(user=user, now=now)


def user_delete_cancel(*, user: User, now: datetime | None = None) -> bool:
    """The owner signed in again within the grace period: restore the account.

    A conditional update, so that it cannot race the purge: once the purge has locked
    or erased the row, this changes nothing and answers False.
    """
    cutoff = grace_cutoff(now=now)
    with transaction.atomic():
        restored = User.objects.filter(pk=user.pk, deleted_at__isnull=False, deleted_at__gte=cutoff).update(deleted_at=None, is_active=True)
        if not restored:
            return False
        fresh = User.objects.get(pk=user.pk)
        for name, hook in sorted(personal_data.account_hooks().items()):
            hook.reactivate(user=fresh, state=fresh.deletion_hold.get(name) or {})
        User.objects.filter(pk=user.pk).update(deletion_hold={})
        ActivityLog.objects.create(user=fresh, action="account_deletion_cancelled", object_type="user", object_id=str(user.pk))
    user.refresh_from_db()
    logger.info("account_deletion_cancelled", extra={"user_id": user.pk})
    return True


def user_sessions_revoke(*, user: User) -> int:
    """Delete the person's API tokens and browser sessions; return how many tokens went."""
    tokens, _ = AuthToken.objects.filter(user=user).delete()
    user_pk = str(user.pk)
    stale = []
    # Session data is signed and encoded: it can only be matched after decoding. Only
    # unexpired sessions matter; the rest are removed by clearsessions.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if str(session.get_decoded().get("_auth_user_id")) == user_pk:
            stale.append(session.pk)
    Session.objects.filter(pk__in=stale).delete()
    return tokens


# --- erasure --------------------------------------------------------------------------


def user_personal_texts(*, user: User) -> list[str]:
    """The person's e-mail, name and free text, as stored; what erasure must leave nowhere."""
    texts = {user.email, user.name}
    for source in personal_data.free_text_sources().values():
        texts.update(source(user=user))
    return sorted(text for text in (t.strip() for t in texts if t) if len(text) >= MIN_SCRUB_LENGTH)


def user_erase(*, user: User, reason: str, now: datetime | None = None) -> ErasureRecord:
    """Erase a person in one transaction, leaving an audit record without personal data.

    Deleting the user row cascades to every row with a foreign key to it; then every
    registered scrubber removes copies of the person's texts from tables without one
    (admin log, task results, scrape runs). A failure anywhere rolls everything back.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        texts = user_personal_texts(user=user)
        fingerprint = email_hmac(user.email)
        requested_at = user.deleted_at
        user_id = user.pk
        user_sessions_revoke(user=user)
        deleted, _ = user.delete()
        scrubbed = sum(scrub(texts=texts) for scrub in personal_data.scrubbers().values())
        record = ErasureRecord.objects.create(
            email_hmac=fingerprint, reason=reason, requested_at=requested_at, erased_at=now, rows_deleted=deleted
        )
    logger.info("user_erased", extra={"user_id": user_id, "reason": reason, "rows_deleted": deleted, "rows_scrubbed": scrubbed})
    return record


def erasures_reapply(*, now: datetime | None = None) -> int:
    """Erase again everyone an ErasureRecord says was erased: for use after restoring a backup.

    A restored backup brings back people erased since it was taken. Load the
    ErasureRecord rows kept from the live database, then run this: each user whose
    e-mail fingerprint matches a record made after they signed up is erased again. A
    person who signed up again after their erasure keeps the new account.
    """
    erased_at_by_hmac: dict[str, datetime] = {}
    for fingerprint, erased_at in ErasureRecord.objects.values_list("email_hmac", "erased_at").iterator():
        erased_at_by_hmac[fingerprint] = max(erased_at, erased_at_by_hmac.get(fingerprint, erased_at))
    count = 0
    for user in User.objects.only("pk", "email", "date_joined").iterator():
        erased_before = erased_at_by_hmac.get(email_hmac(user.email))
        if erased_before is not None and user.date_joined < erased_before:
            user_erase(user=user, reason=ErasureRecord.Reason.RESTORED, now=now)
            count += 1
    logger.info("erasures_reapplied", extra={"count": count})
    return count
