"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from listings.sandbox.server import SandboxApp, serve

# Fixtures of the API and admin tests (api_client, alice, bob, ...).
pytest_plugins = ["dealscout.tests.fixtures"]


class ManualClock:
    """A clock the test moves by hand, for the sandbox shop."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox_server(sandbox_clock: ManualClock) -> Iterator[str]:
    """The sandbox shop on a real loopback port; yields its base URL."""
    server = serve(SandboxApp(clock=sandbox_clock))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sandbox_marketplace(db, sandbox_server: str):  # noqa: ANN001
    from django.core.cache import cache

    from listings import http
    from listings.models import Marketplace

    # Rate-limit slots, breaker state and robots.txt live in the cache (Redis survives
    # between tests); start each test from nothing, with a limit tests never reach.
    cache.clear()
    http.clients_reset()
    return Marketplace.objects.create(
        slug="sandbox",
        name="Sandbox Market",
        agent="jsonld",
        base_url=sandbox_server,
        allow_private_network=True,
        requests_per_minute=6000,
    )


@pytest.fixture(autouse=True)
def _fast_test_settings(settings) -> None:  # noqa: ANN001
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The real hasher costs ~0.3 s a password by design; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)
