"""Fixtures for the listings tests: captures, marketplaces served by pytest-httpserver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

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
def clean_cache(db: None) -> None:
    """An empty cache (breaker, robots.txt, rate slots, tokens); the database cache needs ``db``."""
    cache.clear()


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


@pytest.fixture
def site(httpserver: Any) -> Any:
    """The local HTTP server with an allow-all robots.txt already answering."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    return httpserver


@pytest.fixture
def make_marketplace(clean_cache: None, site: Any) -> Callable[..., Any]:
    from listings.models import Marketplace

    def make(agent: str, *, slug: str | None = None, **fields: Any) -> Marketplace:
        defaults = {
            "slug": slug or f"{agent.replace('_', '-')}-test",
            "name": f"{agent} test market",
            "agent": agent,
            "base_url": site.url_for("/").rstrip("/"),
            "allow_private_network": True,
            "requests_per_minute": 6000,
        }
        defaults.update(fields)
        return Marketplace.objects.create(**defaults)

    return make
