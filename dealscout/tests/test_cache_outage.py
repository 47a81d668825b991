"""With the shared cache down, the API answers (unthrottled) instead of failing with 500s."""

from __future__ import annotations

import socket

import pytest

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "local": settings.CACHES["local"],
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }


def test_api_keeps_answering_without_its_throttle_cache(alice_api, dead_redis, caplog):
    response = alice_api.get("/api/v1/searches/")
    assert response.status_code == 200
    assert "throttle_cache_unavailable" in caplog.text


def test_logins_work_and_failures_are_plain_400s_without_the_cache(api_client, alice, dead_redis, caplog):
    wrong = api_client.post("/api/v1/auth/login", {"email": alice.email, "password": "nope"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    right = api_client.post("/api/v1/auth/login", {"email": alice.email, "password": PASSWORD})
    assert right.status_code == 200 and right.json()["token"]
    assert "login_limits_cache_unavailable" in caplog.text


def test_dashboard_answers_without_the_cache(alice_api, dead_redis, caplog):
    response = alice_api.get("/api/v1/dashboard/")
    assert response.status_code == 200
    assert "scrape_health_cache_unavailable" in caplog.text


@pytest.fixture
def dead_redis_broker(dead_redis, monkeypatch):
    """django-q2's Redis broker (as in production) on the same dead Redis."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", "default")


@pytest.mark.django_db(transaction=True)
def test_run_now_with_the_broker_down_is_a_503_with_retry_after(alice_api, alice, dead_redis_broker, caplog):
    from listings.tests.factories import MarketplaceFactory
    from searches.tests.factories import SearchFactory

    search = SearchFactory(owner=alice, marketplaces=[MarketplaceFactory()])
    response = alice_api.post(f"/api/v1/searches/{search.pk}/run/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body == {"status": 503, "code": "service_unavailable", "detail": body["detail"], "errors": {}}
    assert "try again" in body["detail"].lower()
    assert "backing_service_unavailable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_ready_stays_200_and_says_degraded_when_only_the_cache_is_down(client, dead_redis):
    # The API answers without the cache (the tests above): taking every pod out of the
    # Service for it would turn a cache outage into an API outage.
    response = client.get("/api/v1/monitoring/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["database"]["status"] == "healthy"
    assert body["components"]["cache"]["status"] == "degraded"
    assert "ConnectionError" in body["components"]["cache"]["error"]
