"""python manage.py gdpr_erase EMAIL [--now] | --reapply: erase a person, or re-apply erasures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.gdpr import erase_due_at, erasures_reapply, user_delete_request, user_erase, user_get_by_email
from accounts.models import ErasureRecord
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Delete a person's account: deactivate now and erase after DELETED_USER_GRACE_DAYS, or erase now with --now. "
        "--reapply erases again everyone an erasure record names (after restoring a backup)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", nargs="?")
        parser.add_argument("--now", action="store_true", help="Erase at once, without the grace period.")
        parser.add_argument("--reapply", action="store_true", help="After a restore: erase everyone an ErasureRecord names.")

    def handle(self, *args: Any, email: str | None, now: bool, reapply: bool, **options: Any) -> None:
        if reapply:
            if email:
                raise CommandError("--reapply takes no e-mail address.")
            self.stdout.write("Re-applying erasure records...")
            self.stdout.write(self.style.SUCCESS(f"Erased {erasures_reapply()} restored account(s) again."))
            return
        if not email:
            raise CommandError("Give the person's e-mail address (or --reapply).")
        try:
            user = user_get_by_email(email=email)
            if now:
                self.stdout.write(f"Erasing user {user.pk} now...")
                record = user_erase(user=user, reason=ErasureRecord.Reason.OPERATOR)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Erased: {record.rows_deleted} rows deleted; audit record {record.pk} ({record.email_hmac[:12]}...)"
                    )
                )
                return
            already = user.deleted_at is not None
            user = user_delete_request(user=user)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        state = "was already pending deletion" if already else "is deactivated"
        self.stdout.write(
            self.style.SUCCESS(
                f"User {user.pk} {state}: erased after {erase_due_at(user):%Y-%m-%d %H:%M} UTC "
                f"({settings.DELETED_USER_GRACE_DAYS} days) unless the owner signs in again."
            )
        )
