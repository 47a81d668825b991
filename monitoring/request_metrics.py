"""HTTP request metrics, tallied in memory and written to Prometheus once a second.

In multiprocess mode every sample written costs a lock, a ``getpid`` and a write to the
process's mmap file. The request middleware wrote five per request (in progress up and
down, the count, the duration's sum and its bucket), and that was half of what the
middleware cost on a trivial view (bench/observability.py). Taking a lock and updating
dicts per request instead still cost about 2 µs, so a request now only appends an event
to a deque (thread-safe without a lock: ``deque.append`` and ``popleft`` are atomic), and
all the adding up happens when the events are written.

A daemon thread in each process writes every ``FLUSH_SECONDS``, and a scrape answered by a
process writes its own first (collectors.render). Another process's samples are at most
that far behind: nothing next to a 15 s scrape interval. A worker that exits writes what
it still holds (atexit, and gunicorn's ``worker_exit`` hook). Memory is bounded by what
arrives between two flushes: a flush takes its events off the deque before it writes, so
even a flush that fails (a full disk under PROMETHEUS_MULTIPROC_DIR) leaves nothing behind.

``http_requests_in_progress`` becomes a sample too: each flush sets it to the requests
being answered at that moment, which is what a scrape would have read.
"""

from __future__ import annotations

import atexit
import bisect
import logging
import os
import threading
from collections import deque
from typing import Any

from monitoring import metrics

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0

_BOUNDS = metrics.HTTP_BUCKETS  # a duration goes in the first bucket whose bound it does not exceed; past the last, +Inf

# An event is the method (a request started) or (method, endpoint, status, duration) (it
# ended; endpoint None when it ended with no response).
Event = str | tuple[str, str | None, int, float]


class RequestTally:
    """Requests of one process that started or ended since its last flush."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # In a forked child: the parent's events are the parent's to write, and its lock
        # and thread did not come along.
        self._events: deque[Event] = deque()
        self._flush_lock = threading.Lock()  # flushes only: requests never wait on it
        self._in_progress: dict[str, int] = {}
        self._flusher: threading.Thread | None = None

    def started(self, method: str) -> None:
        self._events.append(method)
        if self._flusher is None:
            self._start_flusher()

    def finished(self, method: str, endpoint: str, status: int, duration: float) -> None:
        self._events.append((method, endpoint, status, duration))

    def abandoned(self, method: str) -> None:
        """A request that ended with no response (an exception through every layer)."""
        self._events.append((method, None, 0, 0.0))

    def flush(self) -> None:
        """Add up the events so far and write them to the Prometheus metrics."""
        with self._flush_lock:
            counts, durations = self._take_events()
            for (method, endpoint, status), count in counts.items():
                metrics.http_requests_total.labels(method=method, endpoint=endpoint, status=str(status)).inc(count)
            for (method, endpoint), sums in durations.items():
                _add_observations(metrics.http_request_duration_seconds.labels(method=method, endpoint=endpoint), sums)
            for method, count in self._in_progress.items():
                metrics.http_requests_in_progress.labels(method=method).set(count)

    def _take_events(self) -> tuple[dict[tuple[str, str, int], int], dict[tuple[str, str], list[float]]]:
        counts: dict[tuple[str, str, int], int] = {}
        durations: dict[tuple[str, str], list[float]] = {}  # [sum, count per bucket..., +Inf]
        in_progress = self._in_progress
        events = self._events
        # Only the events there now: under load, later ones wait for the next flush
        # rather than keep this one going.
        for _ in range(len(events)):
            event = events.popleft()
            if isinstance(event, str):
                in_progress[event] = in_progress.get(event, 0) + 1
                continue
            method, endpoint, status, duration = event
            in_progress[method] = in_progress.get(method, 1) - 1
            if endpoint is None:
                continue
            key = (method, endpoint, status)
            counts[key] = counts.get(key, 0) + 1
            sums = durations.get((method, endpoint))
            if sums is None:
                sums = durations[(method, endpoint)] = [0.0] * (len(_BOUNDS) + 2)
            sums[0] += duration
            sums[1 + bisect.bisect_left(_BOUNDS, duration)] += 1
        return counts, durations

    def _start_flusher(self) -> None:
        with self._flush_lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(target=self._flush_forever, name="request-metrics", daemon=True)
        self._flusher.start()

    def _flush_forever(self) -> None:
        stop = threading.Event()  # never set: the thread ends with its process
        while not stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:
                # A full disk under PROMETHEUS_MULTIPROC_DIR, say: requests go on, the line says why.
                logger.exception("request_metrics_flush_failed")


def _add_observations(histogram: Any, sums: list[float]) -> None:
    """Add many observations to a histogram child at once: the sum, then each bucket.

    prometheus_client has no public call for this (observe() takes one value), so this
    writes the child's own values the way observe() does (prometheus_client 0.26, pinned in
    requirements); monitoring/tests/test_request_metrics.py compares the exposition with
    observe()'s, so an upgrade that changes them fails there, not in production.
    """
    histogram._sum.inc(sums[0])
    for bucket, count in zip(histogram._buckets, sums[1:], strict=True):
        if count:
            bucket.inc(count)


tally = RequestTally()
atexit.register(tally.flush)
