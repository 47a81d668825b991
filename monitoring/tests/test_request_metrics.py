"""The request tally: counts and durations kept in memory, written to Prometheus in batches."""

from __future__ import annotations

import os
import threading
import time

import pytest
from prometheus_client import CollectorRegistry, Histogram

from monitoring import metrics
from monitoring.middleware import RequestMonitoringMiddleware
from monitoring.request_metrics import RequestTally, tally

# A method label the middleware never writes (it says "other" for unknown methods), so that
# the process's own tally, flushing every second, never touches these series.
METHOD = "TALLYTEST"


def _histogram_samples(histogram: Histogram, **labels: str) -> dict[tuple[str, str], float]:
    found = {}
    for family in histogram.collect():
        for sample in family.samples:
            if all(sample.labels.get(k) == v for k, v in labels.items()):
                found[(sample.name.rsplit("_", 1)[-1], sample.labels.get("le", ""))] = sample.value
    return found


def test_a_flush_writes_what_observe_would_have_written_one_by_one():
    # Bounds themselves, zero, between bounds and past the last bound (+Inf).
    durations = [0.0, 0.001, 0.025, 0.0251, 0.05, 0.3, 1.0, 2.4999, 9.99, 10.0, 10.5, 120.0, 0.025]
    endpoint = "/tally/same-as-observe/"
    reference = Histogram(
        "reference_seconds", "one by one", ["method", "endpoint"], buckets=metrics.HTTP_BUCKETS, registry=CollectorRegistry()
    )
    ours = RequestTally()
    for duration in durations:
        ours.started(METHOD)
        ours.finished(METHOD, endpoint, 200, duration)
        reference.labels(method=METHOD, endpoint=endpoint).observe(duration)
    ours.flush()

    written = _histogram_samples(metrics.http_request_duration_seconds, method=METHOD, endpoint=endpoint)
    expected = _histogram_samples(reference, method=METHOD, endpoint=endpoint)
    assert written.keys() == expected.keys()
    assert written == pytest.approx(expected)
    assert written[("count", "")] == len(durations)
    assert metrics.http_requests_total.labels(method=METHOD, endpoint=endpoint, status="200")._value.get() == len(durations)


def test_counts_are_kept_per_status_and_start_again_from_zero_after_a_flush():
    endpoint = "/tally/statuses/"
    ours = RequestTally()
    for status in (200, 200, 404, 500):
        ours.started(METHOD)
        ours.finished(METHOD, endpoint, status, 0.01)
    ours.flush()
    ours.flush()  # nothing new: nothing added twice
    count = metrics.http_requests_total.labels
    assert [count(method=METHOD, endpoint=endpoint, status=s)._value.get() for s in ("200", "404", "500")] == [2, 1, 1]


def test_in_progress_is_what_is_being_answered_when_the_flush_runs():
    gauge = metrics.http_requests_in_progress.labels(method=METHOD)
    ours = RequestTally()
    ours.started(METHOD)
    ours.started(METHOD)
    ours.flush()
    assert gauge._value.get() == 2
    ours.finished(METHOD, "/tally/in-progress/", 200, 0.01)
    ours.abandoned(METHOD)
    ours.flush()
    assert gauge._value.get() == 0


def test_the_flusher_thread_writes_without_a_scrape():
    endpoint = "/tally/thread/"
    ours = RequestTally()
    ours.started(METHOD)
    ours.finished(METHOD, endpoint, 200, 0.01)
    counter = metrics.http_requests_total.labels(method=METHOD, endpoint=endpoint, status="200")
    deadline = time.monotonic() + 10
    while counter._value.get() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counter._value.get() == 1


def test_requests_from_many_threads_are_all_counted():
    endpoint = "/tally/threads/"
    ours = RequestTally()

    def answer() -> None:
        for _ in range(2_000):
            ours.started(METHOD)
            ours.finished(METHOD, endpoint, 200, 0.001)

    threads = [threading.Thread(target=answer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ours.flush()
    assert metrics.http_requests_total.labels(method=METHOD, endpoint=endpoint, status="200")._value.get() == 16_000
    assert metrics.http_request_duration_seconds.labels(method=METHOD, endpoint=endpoint)._sum.get() == pytest.approx(16.0)


def test_flushes_racing_with_requests_lose_and_repeat_nothing():
    # Requests append while two flushers (the thread and a scrape, say) take events off.
    endpoint = "/tally/racing/"
    ours = RequestTally()
    answering = threading.Event()

    def answer() -> None:
        for _ in range(5_000):
            ours.started(METHOD)
            ours.finished(METHOD, endpoint, 200, 0.002)

    def keep_flushing() -> None:
        while answering.is_set():
            ours.flush()

    answering.set()
    requests = [threading.Thread(target=answer) for _ in range(4)]
    flushers = [threading.Thread(target=keep_flushing) for _ in range(2)]
    for thread in requests + flushers:
        thread.start()
    for thread in requests:
        thread.join()
    answering.clear()
    for thread in flushers:
        thread.join()
    ours.flush()
    assert not ours._events
    assert metrics.http_requests_total.labels(method=METHOD, endpoint=endpoint, status="200")._value.get() == 20_000
    assert metrics.http_request_duration_seconds.labels(method=METHOD, endpoint=endpoint)._sum.get() == pytest.approx(40.0)
    assert metrics.http_requests_in_progress.labels(method=METHOD)._value.get() == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_starts_with_nothing_of_its_parent():
    ours = RequestTally()
    ours.started(METHOD)
    ours.finished(METHOD, "/tally/fork/", 200, 0.01)
    pid = os.fork()
    if pid == 0:  # the child: gunicorn's workers are forked from the arbiter
        clean = not ours._events and not ours._in_progress and ours._flusher is None
        os._exit(0 if clean else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ours._events  # the parent keeps its own, to write itself


def test_a_request_that_raises_through_the_middleware_is_no_longer_in_progress(rf):
    def boom(request: object) -> object:
        raise RuntimeError("no response")

    middleware = RequestMonitoringMiddleware(boom)
    tally.flush()
    before = dict(tally._in_progress)
    with pytest.raises(RuntimeError):
        middleware(rf.get("/anything"))
    tally.flush()
    assert tally._in_progress.get("GET", 0) == before.get("GET", 0)
