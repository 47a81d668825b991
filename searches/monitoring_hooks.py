"""What `searches` tells the monitoring floor (discovered by monitoring.hooks)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from monitoring.hooks import register_gauge, register_known_labels
from searches.models import Search


@register_gauge("active_searches_total", "Saved searches that are switched on.")
def active_searches() -> float:
    return Search.objects.filter(is_active=True).count()


@register_gauge("searches_overdue", "Active searches due for more than a dispatcher tick (60 s) and not yet claimed: the dispatch backlog.")
def searches_overdue() -> float:
    # Served by the (is_active, next_run_at) index, like the dispatcher's own claim.
    late = timezone.now() - timedelta(seconds=60)
    return Search.objects.filter(is_active=True, next_run_at__lt=late).count()


# Queued by dispatch_due rather than scheduled, so not in django-q2's Schedule table.
@register_known_labels("tasks_total")
def scout_task_labels() -> list[dict[str, str]]:
    return [{"task_name": "searches.tasks.scout", "status": status} for status in ("success", "failure")]


@register_known_labels("task_duration_seconds")
def scout_duration_labels() -> list[dict[str, str]]:
    return [{"task_name": "searches.tasks.scout"}]
