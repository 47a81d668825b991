"""Every django-q2 schedule of the service, declared in one place.

``ensure_schedules`` creates or updates them by name, so running it twice (or after
every ``migrate``) changes nothing, and a changed interval here reaches production on
the next deploy without anyone touching the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    schedule_type: str  # a django_q Schedule.TYPE value
    minutes: int | None = None
    # The setting naming the cluster (queue) whose scheduler fires it; None: the default cluster.
    cluster_setting: str | None = None

    def cluster(self) -> str | None:
        from django.conf import settings

        return (getattr(settings, self.cluster_setting) or None) if self.cluster_setting else None


SCHEDULES = [
    # On the dispatch cluster's own queue (settings.DISPATCH_CLUSTER), never behind a round's scouts.
    ScheduleSpec(
        name="dispatch-due-searches", func="searches.tasks.dispatch_due", schedule_type="I", minutes=1, cluster_setting="DISPATCH_CLUSTER"
    ),
    # Default cluster: when no dispatch cluster has fired the above for two minutes, dispatch here.
    ScheduleSpec(name="dispatch-watchdog", func="searches.tasks.dispatch_watchdog", schedule_type="I", minutes=1),
    # Also sends the digests (hourly, daily, quiet hours, hourly cap) and the retries that came due.
    ScheduleSpec(name="deliver-due-alerts", func="alerts.tasks.deliver_due", schedule_type="I", minutes=1),
    # Marketplaces with no good run for MARKETPLACE_OUTAGE_AFTER_HOURS: tell the people who use them, once.
    ScheduleSpec(name="notify-marketplace-outages", func="searches.tasks.notify_marketplace_outages", schedule_type="I", minutes=5),
    ScheduleSpec(name="purge-expired-data", func="accounts.tasks.purge_expired", schedule_type="D"),
    # ECB reference rates (published once per business day); a failure keeps the last ones.
    ScheduleSpec(name="refresh-exchange-rates", func="listings.tasks.refresh_exchange_rates", schedule_type="D"),
    # Listings that vanished within days of appearing: sold-price estimates for market values.
    ScheduleSpec(name="mark-probably-sold", func="listings.tasks.mark_probably_sold", schedule_type="D"),
]


def ensure_schedules() -> list[str]:
    from django_q.models import Schedule

    names = []
    for spec in SCHEDULES:
        defaults: dict[str, Any] = {"func": spec.func, "schedule_type": spec.schedule_type, "repeats": -1, "cluster": spec.cluster()}
        if spec.minutes is not None:
            defaults["minutes"] = spec.minutes
        Schedule.objects.update_or_create(name=spec.name, defaults=defaults)
        names.append(spec.name)
    return names


def ensure_schedules_after_migrate(sender: Any, **kwargs: Any) -> None:
    # post_migrate fires once per app; act only once, after django_q's tables exist.
    if getattr(sender, "label", None) != "django_q":
        return
    from django.core.management import call_command

    ensure_schedules()
    # The database cache (embedded default) needs its table; a no-op with Redis.
    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)
