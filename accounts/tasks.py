"""django-q2 entry points of the floor."""

from __future__ import annotations

from accounts import retention


def purge_expired() -> dict[str, int]:
    return retention.purge_expired()
