"""django-q2 entry points for the scouting loop: thin callers of services."""

from __future__ import annotations

from typing import Any

from listings.agents import ScoutQuery
from searches import services


def dispatch_due() -> int:
    return services.dispatch_due().claimed


def dispatch_watchdog() -> str:
    result = services.dispatch_watchdog()
    return "dispatch cluster alive" if result is None else f"no dispatch cluster: dispatched here, claimed {result.claimed}"


def scout(query: dict[str, Any], search_ids: list[int]) -> str:
    result = services.scout_group_run(query=ScoutQuery.from_dict(query), search_ids=search_ids)
    return result.outcome.run.status


def notify_marketplace_outages() -> str:
    from searches.outages import marketplace_outages_notify

    result = marketplace_outages_notify()
    return f"opened {result.opened}, ended {result.ended}, told {result.down_notices} down, {result.up_notices} up"
