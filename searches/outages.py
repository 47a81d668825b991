"""Telling people when a marketplace their searches use breaks, and when it works again.

The schedule ``notify-marketplace-outages`` runs ``marketplace_outages_notify`` every
few minutes:

1. ``listings`` opens an outage for each enabled marketplace with no good run for
   ``MARKETPLACE_OUTAGE_AFTER_HOURS`` (while it was being tried) and ends the outages of
   those whose last run is good again (``listings.services.marketplace_outages_update``).
2. Here, because only ``searches`` knows who depends on what: the owners of active
   searches (not paused, alerts not turned off, account not deleted) on a marketplace
   with an open outage are told once per outage, whatever number of their searches use
   it; once it has ended, each person told about it hears that it works again.
3. ``alerts.notices.user_notice_send`` delivers through the person's channels and keeps
   one ``UserNotice`` per (person, ``outage:<id>:down|up``), so no round and no second
   worker tells anyone twice.

A constant number of queries per round plus one send per person to tell.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from alerts.notices import user_notice_keys_sent, user_notice_send
from listings.models import MarketplaceOutage
from listings.services import marketplace_outages_update
from searches.models import Search

logger = logging.getLogger(__name__)

# How long after it ended an outage is still looked at for "works again" notices.
RECOVERY_LOOKBACK = timedelta(days=7)


@dataclass
class OutageRound:
    opened: int = 0
    ended: int = 0
    down_notices: int = 0
    up_notices: int = 0


def marketplace_dependants(*, marketplace_ids: list[int]) -> dict[int, dict[int, list[tuple[int, str]]]]:
    """marketplace id -> owner id -> [(search id, name)] of the active searches that use it. One query."""
    if not marketplace_ids:
        return {}
    through = Search.marketplaces.through
    rows = (
        through.objects.filter(
            marketplace_id__in=marketplace_ids,
            search__is_active=True,
            search__owner__deleted_at__isnull=True,
            search__owner__is_active=True,
        )
        .exclude(search__alert_frequency="off")
        .order_by("search__name", "search_id")
        .values_list("marketplace_id", "search__owner_id", "search_id", "search__name")
    )
    dependants: dict[int, dict[int, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for marketplace_id, owner_id, search_id, name in rows:
        dependants[marketplace_id][owner_id].append((search_id, name))
    return dependants


def _names(searches: list[tuple[int, str]]) -> str:
    quoted = [f'"{name}"' for _, name in searches[:5]]
    more = len(searches) - len(quoted)
    return ", ".join(quoted) + (f" and {more} more" if more > 0 else "")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def _down_text(outage: MarketplaceOutage, searches: list[tuple[int, str]]) -> tuple[str, str]:
    name = outage.marketplace.name
    plural = "es" if len(searches) != 1 else ""
    subject = f"Deal Scout cannot read {name} at the moment"
    text = (
        f"We have not been able to read {name} since {_when(outage.started_at)} "
        f"(last good read: {_when(outage.last_good_at)}). Your search{plural} {_names(searches)} "
        f"will find nothing new there until it works again; we keep trying and will tell you when it does. "
        f"Nothing to do on your side."
    )
    return subject, text


def _up_text(outage: MarketplaceOutage, searches: list[tuple[int, str]]) -> tuple[str, str]:
    name = outage.marketplace.name
    subject = f"{name} works again"
    text = f"We can read {name} again since {_when(outage.ended_at)}, after a break that began {_when(outage.started_at)}."
    if searches:
        plural = "es" if len(searches) != 1 else ""
        text += f" Your search{plural} {_names(searches)} will pick up what was listed meanwhile, if it is still listed."
    return subject, text


def marketplace_outages_notify(*, now: datetime | None = None) -> OutageRound:
    """Open and end outages, then tell each affected person once (down) and once more (up)."""
    now = now or timezone.now()
    changes = marketplace_outages_update(now=now)
    result = OutageRound(opened=len(changes.opened), ended=len(changes.ended))

    open_outages = list(MarketplaceOutage.objects.filter(ended_at__isnull=True).select_related("marketplace"))
    ended = list(MarketplaceOutage.objects.filter(ended_at__gte=now - RECOVERY_LOOKBACK).select_related("marketplace"))
    dependants = marketplace_dependants(marketplace_ids=sorted({o.marketplace_id for o in open_outages + ended}))
    keys = [f"outage:{o.pk}:down" for o in open_outages + ended] + [f"outage:{o.pk}:up" for o in ended]
    told = user_notice_keys_sent(keys=keys)

    for outage in open_outages:
        key = f"outage:{outage.pk}:down"
        for user_id, searches in dependants.get(outage.marketplace_id, {}).items():
            if (user_id, key) in told:
                continue
            subject, text = _down_text(outage, searches)
            if user_notice_send(user_id=user_id, key=key, subject=subject, text=text, search_ids=[s for s, _ in searches], now=now):
                result.down_notices += 1

    # Someone told it was down who has deleted their account since is not written to again.
    told_users = {user_id for user_id, _ in told}
    reachable = (
        set(User.objects.filter(pk__in=told_users, deleted_at__isnull=True, is_active=True).values_list("pk", flat=True))
        if ended
        else set()
    )
    for outage in ended:
        down_key, up_key = f"outage:{outage.pk}:down", f"outage:{outage.pk}:up"
        users = {user_id for user_id, key in told if key == down_key} - {user_id for user_id, key in told if key == up_key}
        for user_id in sorted(users & reachable):
            searches = dependants.get(outage.marketplace_id, {}).get(user_id, [])
            subject, text = _up_text(outage, searches)
            if user_notice_send(user_id=user_id, key=up_key, subject=subject, text=text, search_ids=[s for s, _ in searches], now=now):
                result.up_notices += 1

    if any((result.opened, result.ended, result.down_notices, result.up_notices)):
        logger.info(
            "marketplace_outages_notified",
            extra={"opened": result.opened, "ended": result.ended, "down_notices": result.down_notices, "up_notices": result.up_notices},
        )
    return result
