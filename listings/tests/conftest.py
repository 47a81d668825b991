"""Fixtures for the listings tests: captures, the polite client's sleeps and settings (marketplaces: root conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from listings import http

DATA = Path(__file__).parent / "data"


def capture(relative: str) -> bytes:
    """The bytes of a capture under listings/tests/data/."""
    return (DATA / relative).read_bytes()


class SleepRecorder:
    """Replaces the client's sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    http.clients_reset()
    yield
    http.clients_reset()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    recorder = SleepRecorder()
    monkeypatch.setattr(http, "sleep", recorder)
    return recorder


@pytest.fixture
def fast_client_settings(settings: Any) -> Any:
    """Short time-outs and a high rate limit, so client tests finish quickly."""
    settings.SCOUT_READ_TIMEOUT = 0.5
    settings.SCOUT_CONNECT_TIMEOUT = 0.5
    settings.SCOUT_MAX_RETRIES = 2
    settings.SCOUT_BREAKER_THRESHOLD = 3
    settings.SCOUT_BREAKER_COOLDOWN = 60
    return settings
