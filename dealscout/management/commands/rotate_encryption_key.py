"""Re-encrypt every stored secret with the first FIELD_ENCRYPTION_KEY (key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.crypto import DecryptionFailed, rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEY. Rotation: put the new key first "
        "(NEW,OLD), deploy, run this, then remove OLD."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Re-encrypting stored secrets with the first FIELD_ENCRYPTION_KEY ...")
        try:
            counts = rotate_all()
        except DecryptionFailed as exc:
            raise CommandError(f"{exc}; put the old key back in FIELD_ENCRYPTION_KEY (after the new one) and run again.") from None
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {sum(counts.values())} secret(s) now under the first key; the other keys can go."))
