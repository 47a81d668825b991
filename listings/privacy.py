"""Retention for what `listings` owns."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.retention import register_purger
from listings.models import ScrapeRun

SCRAPE_RUN_RETENTION_DAYS = 14


@register_purger("scrape_runs")
def purge_scrape_runs(*, dry_run: bool) -> int:
    expired = ScrapeRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=SCRAPE_RUN_RETENTION_DAYS))
    if dry_run:
        return expired.count()
    deleted, _ = expired.delete()
    return deleted
