"""The retention registry: each app declares how its expired rows are purged.

``accounts`` is the floor and imports no domain app; instead every app may ship a
``privacy.py`` that registers its purgers here, discovered the way the admin finds
``admin.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purger:
    kind: str
    # Called with dry_run; returns how many rows it deleted (or would delete).
    run: Callable[..., int]


_PURGERS: dict[str, Purger] = {}


def register_purger(kind: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    def decorator(func: Callable[..., int]) -> Callable[..., int]:
        _PURGERS[kind] = Purger(kind=kind, run=func)
        return func

    return decorator


def purgers() -> list[Purger]:
    autodiscover_modules("privacy")
    return list(_PURGERS.values())


def purge_expired(*, dry_run: bool = False) -> dict[str, int]:
    counts = {purger.kind: purger.run(dry_run=dry_run) for purger in purgers()}
    logger.info("purge_finished", extra={"dry_run": dry_run, **{f"purged_{k}": v for k, v in counts.items()}})
    return counts
