"""Where a dispatch puts its scouts in the queue: earliest deadline first, roughly.

A scout's deadline is when its searches are due again (due time plus interval): past
it, the search is late. The queue is first in, first out, so a tick that queues a
5-minute search's scout behind a round of 10,000 scouts that the marketplaces' rate
limits spread over ten minutes makes it late by the whole round. The queue cannot be
sorted in place, but its two ends can be used: a scout whose deadline falls before the
deadline of the queue's tail (the latest deadline queued at the back, remembered by
the dispatcher) would otherwise wait behind work that can wait longer than it can, so
it goes to the head. The rest go to the back, earliest deadline first.

With an empty queue, or no remembered tail, everything goes to the back, in deadline
order: nothing is waiting to be overtaken.

Pure functions of numbers (deadlines as POSIX seconds): tested without a broker.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def split_by_deadline(deadlines: Mapping[K, float], tail_deadline: float | None) -> tuple[list[K], list[K]]:
    """``(ahead, behind)``: keys for the queue's head and for its back, each earliest deadline first.

    ``ahead`` holds the keys whose deadline is before ``tail_deadline``; with no tail
    (an empty queue, or none remembered) nothing goes ahead.
    """
    ordered = sorted(deadlines, key=lambda key: deadlines[key])
    if tail_deadline is None:
        return [], ordered
    ahead = [key for key in ordered if deadlines[key] < tail_deadline]
    behind = [key for key in ordered if deadlines[key] >= tail_deadline]
    return ahead, behind


def next_tail_deadline(tail_deadline: float | None, behind: Iterable[float]) -> float | None:
    """The queue's tail deadline once ``behind``'s deadlines are queued at the back."""
    latest = max(behind, default=None)
    if latest is None:
        return tail_deadline
    if tail_deadline is None:
        return latest
    return max(tail_deadline, latest)
