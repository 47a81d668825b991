from __future__ import annotations

import asyncio

import pytest

from monitoring import metrics, timed_operation
from monitoring.request_metrics import tally


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming, kept",
    [("abc-123_X.y", True), ("a" * 128, True), ("a" * 129, False), ("bad id", False), ("semi;colon", False), ("", False)],
)
def test_request_id_is_kept_only_when_valid(client, incoming, kept):
    response = client.get("/health", headers={"X-Request-ID": incoming})
    if kept:
        assert response["X-Request-ID"] == incoming
    else:
        assert response["X-Request-ID"] != incoming
        assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.urls("monitoring.tests.urls")
def test_errors_get_the_headers_and_are_logged_with_the_request_id(client, captured_log):
    client.raise_request_exception = False
    response = client.get("/test/boom/", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "boom-1"
    assert float(response["X-Process-Time"]) >= 0
    (failed,) = captured_log.find("request_failed")
    assert failed["request_id"] == "boom-1"
    assert "ValueError" in failed["exception"]
    assert "alice@example.com" not in captured_log.text()
    tally.flush()
    assert metrics.http_requests_total.labels(method="GET", endpoint="/test/boom/", status="500")._value.get() >= 1


def _observations(name: str, status: str) -> float:
    for metric in metrics.operation_duration_seconds.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels == {"operation": name, "status": status}:
                return sample.value
    return 0.0


def test_timed_operation_times_sync_functions_and_their_failures(captured_log):
    @timed_operation("test_sync_op")
    def double(x: int) -> int:
        return 2 * x

    @timed_operation("test_sync_op")
    def broken() -> None:
        raise KeyError("nope")

    assert double(4) == 8
    with pytest.raises(KeyError):
        broken()
    assert _observations("test_sync_op", "ok") == 1
    assert _observations("test_sync_op", "error") == 1
    assert captured_log.find("operation_finished")[0]["operation"] == "test_sync_op"
    assert captured_log.find("operation_failed")[0]["error_type"] == "KeyError"


def test_timed_operation_times_async_functions(captured_log):
    @timed_operation("test_async_op")
    async def fetch() -> str:
        await asyncio.sleep(0)
        return "done"

    assert asyncio.run(fetch()) == "done"
    assert _observations("test_async_op", "ok") == 1
    assert asyncio.iscoroutinefunction(fetch)


@pytest.mark.django_db
def test_request_lines_are_info_for_refusals_and_debug_for_plain_reads(client, captured_log):
    client.get("/api/v1/monitoring/health/live")
    client.get("/api/v1/searches/")
    levels = {line["endpoint"]: line["level"] for line in captured_log.find("request_finished")}
    assert levels == {"/api/v1/monitoring/health/live": "debug", "/api/v1/searches/": "info"}
