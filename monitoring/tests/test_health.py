from __future__ import annotations

import socket
import threading

import pytest

from monitoring import health

BASE = "/api/v1/monitoring/health"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broken_redis(settings):
    """The cache points at a Redis port where nothing listens."""
    settings.CACHES = {
        "local": settings.CACHES["local"],
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }


def test_health_and_live_touch_no_dependency(client, broken_redis):
    for path in ("/health", f"{BASE}/live"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json()["status"] == "healthy"


@pytest.mark.django_db(transaction=True)
def test_ready_is_200_when_database_and_cache_answer(client):
    response = client.get(f"{BASE}/ready")
    assert response.status_code == 200, response.json()
    assert set(response.json()["components"]) == {"database", "cache"}


@pytest.mark.django_db(transaction=True)
def test_a_broken_redis_leaves_ready_200_degraded_with_a_clear_reason(client, broken_redis):
    # The API survives without its cache (dealscout/tests/test_cache_outage.py): the pod keeps its traffic.
    response = client.get(f"{BASE}/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["database"]["status"] == "healthy"
    cache = body["components"]["cache"]
    assert cache["status"] == "degraded"
    assert "ConnectionError" in cache["error"]
    assert "503" in cache["impact"]


@pytest.mark.django_db(transaction=True)
def test_detailed_reports_a_broken_redis_as_unhealthy(client, broken_redis, settings):
    settings.METRICS_TOKEN = "ops-token-123"
    response = client.get(f"{BASE}/detailed", headers={"Authorization": "Bearer ops-token-123"})
    assert response.status_code == 503
    redis = response.json()["components"]["redis"]
    assert redis["status"] == "unhealthy"
    assert "Error" in redis["error"]


@pytest.mark.django_db(transaction=True)
def test_detailed_needs_staff_or_the_monitoring_token(client, django_user_model, settings):
    settings.METRICS_TOKEN = "ops-token-123"
    assert client.get(f"{BASE}/detailed").status_code == 403
    assert client.get(f"{BASE}/detailed", headers={"Authorization": "Bearer nope"}).status_code == 403
    user = django_user_model.objects.create_user(email="u@example.com", password="long-password-123")
    client.force_login(user)
    assert client.get(f"{BASE}/detailed").status_code == 403
    user.is_staff = True
    user.save()
    response = client.get(f"{BASE}/detailed")
    assert response.status_code in (200, 503)
    body = response.json()
    assert set(body["components"]) == {"database", "redis", "qcluster", "system", "application"}
    # No cluster runs in the test: said plainly, and the overall status is the worst one.
    assert body["components"]["qcluster"]["status"] == "unhealthy"
    assert body["status"] == "unhealthy" and response.status_code == 503
    assert {"cpu_percent", "memory_percent", "disk_percent"} <= set(body["components"]["system"])
    assert {"active_searches_total", "listings_seen_last_24h", "failed_tasks_last_hour"} <= set(body["components"]["application"])


def test_a_hung_check_is_cut_off_at_its_timeout():
    release = threading.Event()

    def hangs() -> health.ComponentHealth:
        release.wait(30)
        return health.ComponentHealth(health.HEALTHY)

    results = health.run_checks({"hung": hangs, "fine": lambda: health.ComponentHealth(health.HEALTHY)}, timeout=0.3)
    release.set()
    assert results["hung"].status == "unhealthy"
    assert "no answer within 0.3 s" in results["hung"].details["error"]
    assert results["fine"].status == "healthy"


@pytest.mark.parametrize(
    "statuses, expected",
    [(["healthy", "healthy"], "healthy"), (["healthy", "degraded"], "degraded"), (["degraded", "unhealthy", "healthy"], "unhealthy")],
)
def test_the_worst_component_wins(statuses, expected):
    assert health.worst(statuses) == expected


def test_system_limits_grade_usage():
    assert health._by_limits(50, health.DISK_LIMITS) == "healthy"
    assert health._by_limits(90, health.DISK_LIMITS) == "degraded"
    assert health._by_limits(96, health.DISK_LIMITS) == "unhealthy"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_redis_reports_memory_and_clients():
    result = health.check_redis()
    assert result.status == "healthy"
    assert result.details["connected_clients"] >= 1
    assert result.details["used_memory_bytes"] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_reports_connection_usage():
    result = health.check_database()
    assert result.details["max_connections"] > 0
    assert 0 < result.details["connections_used_percent"] < 100
