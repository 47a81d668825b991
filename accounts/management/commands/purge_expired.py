"""python manage.py purge_expired [--dry-run]: apply the retention periods now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import retention


class Command(BaseCommand):
    help = "Delete what is past its retention period (listings, logs, task results, deleted accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=retention.DEFAULT_BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args: Any, dry_run: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        self.stdout.write(f"Purging expired data{' (dry run: nothing is deleted)' if dry_run else ''}, batches of {batch_size}")
        last_print = [0.0]

        def progress(kind: str, done: int) -> None:
            # At most one line a second, so a long purge shows it is moving.
            if time.monotonic() - last_print[0] >= 1.0:
                last_print[0] = time.monotonic()
                self.stdout.write(f"  {kind}: {done} deleted so far")

        started = time.monotonic()
        counts = retention.purge_expired(dry_run=dry_run, batch_size=batch_size, progress=progress)
        verb = "would delete" if dry_run else "deleted"
        width = max((len(kind) for kind in counts), default=0)
        for kind, count in counts.items():
            self.stdout.write(f"  {kind.ljust(width)}  {verb} {count}")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f}s: {verb} {sum(counts.values())} rows"))
