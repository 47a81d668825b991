"""When an alert may go out: frequencies, digest times and quiet hours, as pure functions.

Times come in and go out aware, in UTC; quiet hours and the daily digest hour are read
in the user's own time zone (an unknown zone name falls back to UTC rather than failing).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSTANT = "instant"
HOURLY = "hourly"
DAILY = "daily"
PAUSED = "off"
DAILY_DIGEST_HOUR = 8  # local time of the daily digest


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def effective_frequency(*, account: str, search_override: str) -> str:
    """The search's own setting wins over the account's; empty means "as the account says"."""
    return search_override or account or INSTANT


def quiet_until(*, now: datetime, tz_name: str, start: time | None, end: time | None) -> datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None when it is not quiet.

    A window may wrap midnight (22:00-07:00). Equal start and end means no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    tz = zone(tz_name)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def next_digest_at(*, now: datetime, tz_name: str, frequency: str) -> datetime:
    """When the digest for ``frequency`` goes out: the next full hour, or the next morning."""
    tz = zone(tz_name)
    local = now.astimezone(tz)
    if frequency == DAILY:
        target = datetime.combine(local.date(), time(DAILY_DIGEST_HOUR), tzinfo=tz)
        if target <= local:
            target = datetime.combine(local.date() + timedelta(days=1), time(DAILY_DIGEST_HOUR), tzinfo=tz)
        return target.astimezone(UTC)
    top = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return top.astimezone(UTC)
