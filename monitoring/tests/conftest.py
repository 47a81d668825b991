from __future__ import annotations

import io
import json
import logging
import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings

from monitoring import collectors
from monitoring.logging import build_formatter


class CapturedLog:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def text(self) -> str:
        return self.stream.getvalue()

    def find(self, message: str) -> list[dict]:
        return [line for line in self.lines() if line.get("message") == message]


@pytest.fixture
def captured_log() -> Iterator[CapturedLog]:
    """JSON lines written by the real pipeline (the root logger's formatter) to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        build_formatter(service=settings.SERVICE_NAME, version=settings.VERSION, environment=settings.ENVIRONMENT, fmt="json")
    )
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    # Debug, so that successful reads' request_finished lines are written too.
    root.setLevel(logging.DEBUG)
    yield CapturedLog(stream)
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture(autouse=True)
def _fresh_scrape_caches() -> Iterator[None]:
    collectors._gauge_cache.clear()
    collectors._labels_cache.clear()
    yield
    collectors._gauge_cache.clear()
    collectors._labels_cache.clear()


@pytest.fixture
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed (Debian package prometheus; .ci/run installs it)")
    return path
