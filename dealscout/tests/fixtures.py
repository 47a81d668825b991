"""pytest fixtures for the API and admin tests (loaded by the root conftest's pytest_plugins)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from dealscout.tests.factories import MarketplaceFactory, UserFactory


@pytest.fixture
def fast_passwords(settings) -> None:  # noqa: ANN001
    """PBKDF2 costs ~0.2 s per hash by design; these tests check behaviour, not the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fresh_cache(db, fast_passwords: None) -> None:  # noqa: ANN001
    """Throttle and failed-login counters start at zero (Redis keeps them between tests)."""
    cache.clear()


@pytest.fixture
def api_client(fresh_cache: None) -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(fresh_cache: None) -> Callable[..., APIClient]:
    """An API client authenticated with a real knox token of the given user."""

    def make(user: object) -> APIClient:
        client = APIClient()
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def alice(db, fast_passwords):  # noqa: ANN001, ANN201
    return UserFactory(email="alice@example.com")


@pytest.fixture
def bob(db, fast_passwords):  # noqa: ANN001, ANN201
    return UserFactory(email="bob@example.com")


@pytest.fixture
def alice_api(client_for: Callable[..., APIClient], alice: object) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_api(client_for: Callable[..., APIClient], bob: object) -> APIClient:
    return client_for(bob)


@pytest.fixture
def market(db):  # noqa: ANN001, ANN201
    return MarketplaceFactory(slug="sandbox", name="Sandbox Market")


@pytest.fixture
def task_queue(db):  # noqa: ANN001, ANN201
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
def assert_constant_queries(django_assert_num_queries):  # noqa: ANN001, ANN201
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


@pytest.fixture
def staff(db, fast_passwords):  # noqa: ANN001, ANN201
    from accounts.models import User
    from dealscout.tests.factories import PASSWORD

    return User.objects.create_superuser("operator@example.com", PASSWORD)


@pytest.fixture
def staff_client(client, staff):  # noqa: ANN001, ANN201
    client.force_login(staff)
    return client
