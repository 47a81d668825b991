"""Empty PROMETHEUS_MULTIPROC_DIR before a multi-process server (the qcluster) starts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from monitoring.multiprocess import wipe_dir


class Command(BaseCommand):
    help = "Empty the Prometheus multiprocess directory (PROMETHEUS_MULTIPROC_DIR) before the qcluster starts."
    # The checks would query the database and write samples into the directory being emptied.
    requires_system_checks: list[str] = []

    def handle(self, *args: object, **options: object) -> None:
        directory = wipe_dir()
        if directory is None:
            self.stdout.write("PROMETHEUS_MULTIPROC_DIR is not set: nothing to reset.")
        else:
            self.stdout.write(f"Emptied {directory}.")
