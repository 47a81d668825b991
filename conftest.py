"""Fixtures shared by every app's tests: settings, clients and people, marketplaces, the task queue.

Factories live next to their models (``<app>/tests/factories.py``); what an app's tests
alone need lives in that app's ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from listings.sandbox.server import SandboxApp, serve
from listings.tests.factories import MarketplaceFactory

# --- settings --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_test_settings(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The real hasher costs ~0.3 s a password by design; tests create hundreds of users.
    # The one place tests change the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The per-process cache outlives a test (in-process memory, no transaction rollback).
    caches["local"].clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)


@pytest.fixture
def clean_cache(db: None) -> Iterator[None]:
    """An empty cache and fresh polite clients.

    Throttle and failed-login counters, rate-limit slots, breaker state and robots.txt
    live in the cache (Redis keeps them between tests); the database cache needs ``db``.
    """
    from listings import http

    cache.clear()
    http.clients_reset()
    yield
    http.clients_reset()


# --- API clients and people ------------------------------------------------------------


@pytest.fixture
def api_client(clean_cache: None) -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(clean_cache: None) -> Callable[..., APIClient]:
    """An API client authenticated with a real knox token of the given user."""
    from knox.models import AuthToken

    def make(user: Any) -> APIClient:
        client = APIClient()
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def alice(db: None) -> Any:
    return UserFactory(email="alice@example.com")


@pytest.fixture
def bob(db: None) -> Any:
    return UserFactory(email="bob@example.com")


@pytest.fixture
def alice_api(client_for: Callable[..., APIClient], alice: Any) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_api(client_for: Callable[..., APIClient], bob: Any) -> APIClient:
    return client_for(bob)


@pytest.fixture
def staff(db: None) -> Any:
    from accounts.models import User

    return User.objects.create_superuser("operator@example.com", PASSWORD)


@pytest.fixture
def staff_client(client: Any, staff: Any) -> Any:
    client.force_login(staff)
    return client


# --- marketplaces ----------------------------------------------------------------------


@pytest.fixture
def market(db: None) -> Any:
    """A marketplace row that is never fetched from (API, admin and matching tests)."""
    return MarketplaceFactory(slug="sandbox", name="Sandbox Market")


@pytest.fixture
def site(httpserver: Any) -> Any:
    """The local HTTP server with an allow-all robots.txt already answering."""
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    return httpserver


@pytest.fixture
def make_marketplace(clean_cache: None, site: Any) -> Callable[..., Any]:
    """Makes marketplaces the scraper really fetches from: the local ``site`` unless ``base_url`` says otherwise."""

    def make(agent: str, *, slug: str | None = None, **fields: Any) -> Any:
        fields.setdefault("name", f"{agent} test market")
        fields.setdefault("base_url", site.url_for("/").rstrip("/"))
        return MarketplaceFactory(slug=slug or f"{agent.replace('_', '-')}-test", agent=agent, local=True, **fields)

    return make


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
def sandbox_marketplace(make_marketplace: Callable[..., Any], sandbox_server: str) -> Any:
    return make_marketplace("jsonld", slug="sandbox", name="Sandbox Market", base_url=sandbox_server)


# --- the task queue and query counts ---------------------------------------------------


@pytest.fixture
def task_queue(db: None) -> Iterator[Any]:
    """The real django-q2 broker (ORM, or Redis with REDIS_URL), emptied; ``drain()`` returns the queued tasks."""
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    broker = get_broker()
    broker.purge_queue()

    class Queue:
        def size(self) -> int:
            return broker.queue_size()

        def drain(self) -> list[dict]:
            tasks = []
            while broker.queue_size():
                for ack_id, payload in broker.dequeue() or []:
                    tasks.append(SignedPackage.loads(payload))
                    broker.acknowledge(ack_id)
            return tasks

    yield Queue()
    broker.purge_queue()


@pytest.fixture
def assert_constant_queries(django_assert_num_queries: Any) -> Callable[..., int]:
    """Fetch a list at two page sizes; the second must run exactly as many queries as the first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def check(client: APIClient, url: str, *, small: int, large: int) -> int:
        # One request first, so that both measured ones find the token lookup in the same
        # state (cached, with Redis: dealscout.authentication) and differ only in page size.
        assert client.get(url, {"page_size": 1}).status_code == 200
        with CaptureQueriesContext(connection) as first:
            response = client.get(url, {"page_size": small})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == small
        with django_assert_num_queries(len(first)):
            response = client.get(url, {"page_size": large})
        assert len(response.json()["results"]) == large
        return len(first)

    return check


# --- a real browser ----------------------------------------------------------------------


@pytest.fixture
def chromium() -> Iterator[Callable[..., Any]]:
    """Starts headless Chromium (Debian's chromium and chromium-driver) with extra flags and prefs.

    Skipped without them outside CI; in CI (``CI`` set) their absence fails the test.
    Every browser started is closed, with its profile, after the test.
    """
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.path.exists(binary) and os.path.exists(driver_path)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed (Debian packages) for the browser test")
        pytest.skip("chromium / chromium-driver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    started: list[tuple[Any, str]] = []

    def start(*, flags: tuple[str, ...] = (), prefs: dict[str, Any] | None = None, console: str = "SEVERE") -> Any:
        profile = tempfile.mkdtemp(prefix="dealscout-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        quiet = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
        for flag in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            *quiet,
            f"--user-data-dir={profile}",
            *flags,
        ]:
            options.add_argument(flag)
        if prefs:
            options.add_experimental_option("prefs", prefs)
        options.set_capability("goog:loggingPrefs", {"browser": console})
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        driver.set_page_load_timeout(30)
        started.append((driver, profile))
        return driver

    yield start
    for driver, profile in started:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
