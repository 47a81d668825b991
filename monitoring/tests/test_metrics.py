from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitoring import metrics
from monitoring.routes import UNMATCHED

METRICS_URL = "/api/v1/monitoring/metrics"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


@pytest.fixture(autouse=True)
def _embedded_default(settings) -> None:
    # pytest-django runs with DEBUG off; the metrics are open only on the embedded default.
    settings.DEBUG = True


def scrape(client) -> str:
    response = client.get(METRICS_URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_endpoint_label_is_the_route_template_never_the_raw_path(client):
    before = value(scrape(client), "http_requests_total", method="GET", endpoint="/api/v1/searches/{id}/", status="401") or 0
    client.get("/api/v1/searches/12345/")
    client.get("/no/such/page/98765")
    text = scrape(client)
    assert value(text, "http_requests_total", method="GET", endpoint="/api/v1/searches/{id}/", status="401") == before + 1
    assert value(text, "http_requests_total", method="GET", endpoint=UNMATCHED, status="404") >= 1
    assert "12345" not in text and "98765" not in text


@pytest.mark.django_db
def test_every_declared_metric_has_a_series_on_the_first_scrape(client, sandbox_marketplace):
    from searches.models import Search

    Search.objects.create(owner=_user(), name="lamp", query="lamp")
    text = scrape(client)
    names = {family.name for family in text_string_to_metric_families(text) if family.samples}
    for metric in metrics.__dict__.values():
        if hasattr(metric, "_name") and metric._name != "http_requests_in_progress":
            assert metric._name in names, metric._name
    for name in metrics.SCRAPE_TIME_GAUGES:
        if name != "database_connections_max":  # PostgreSQL only
            assert name in names
    assert value(text, "marketplace_scrapes_total", marketplace="sandbox", status="blocked") == 0
    assert value(text, "active_searches_total") == 1
    assert value(text, "tasks_total", task_name="searches.tasks.scout", status="failure") == 0
    assert "django_db_execute" in names  # django-prometheus's database backend


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(email="m@example.com", password="long-password-123")


@pytest.mark.django_db
@pytest.mark.django_db
def test_metrics_are_closed_in_production_without_a_token(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    response = client.get(METRICS_URL)
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content
    assert b"http_requests_total" not in response.content
    settings.METRICS_TOKEN = "scrape-me-please"
    assert client.get(METRICS_URL, headers={"Authorization": "Bearer scrape-me-please"}).status_code == 200


def test_the_qcluster_metrics_server_will_not_start_open_in_production(tmp_path, monkeypatch, settings):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    with pytest.raises(CommandError, match="METRICS_TOKEN"):
        call_command("serve_metrics", "--port", "0")


def test_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "scrape-me-please"
    assert client.get(METRICS_URL).status_code == 401
    assert client.get(METRICS_URL, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(METRICS_URL, headers={"Authorization": "Bearer scrape-me-please"}).status_code == 200


@pytest.mark.django_db
def test_exposition_passes_promtool_check_metrics(client, promtool, sandbox_marketplace):
    client.get("/health")
    result = subprocess.run([promtool, "check", "metrics"], input=scrape(client), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_task_outcomes_are_counted_by_task_name():
    from django_q.tasks import async_task

    def count(status: str) -> float:
        return metrics.tasks_total.labels(task_name="monitoring.tests.helpers.failing_task", status=status)._value.get()

    before = count("failure")
    with pytest.raises(RuntimeError):
        async_task("monitoring.tests.helpers.failing_task", sync=True)
    assert count("failure") == before + 1
    ok_before = metrics.tasks_total.labels(task_name="monitoring.tests.helpers.log_from_task", status="success")._value.get()
    async_task("monitoring.tests.helpers.log_from_task", "x", sync=True)
    assert metrics.tasks_total.labels(task_name="monitoring.tests.helpers.log_from_task", status="success")._value.get() == ok_before + 1


def test_multiprocess_mode_sums_processes_and_forgets_dead_live_gauges(tmp_path):
    """Two processes write samples; the exposition sums them, and a dead process's live gauge goes."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    writer = textwrap.dedent(
        """
        from monitoring import metrics
        metrics.tasks_total.labels(task_name="t", status="success").inc()
        metrics.http_requests_in_progress.labels(method="GET").inc()
        """
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", writer], env=env, check=True, cwd=os.getcwd())
    reader = textwrap.dedent(
        """
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess
        from monitoring.multiprocess import mark_dead_processes
        def show():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry).decode()
        print(show())
        print("DEAD", len(mark_dead_processes()))
        print(show())
        """
    )
    out = subprocess.run([sys.executable, "-c", reader], env=env, check=True, capture_output=True, text=True, cwd=os.getcwd()).stdout
    before, dead, after = out.partition("DEAD")[0], out.split("DEAD")[1].split()[0], out.split("DEAD")[1]
    assert 'tasks_total{status="success",task_name="t"} 2.0' in before
    assert 'http_requests_in_progress{method="GET"} 2.0' in before
    assert dead == "2"
    assert 'http_requests_in_progress{method="GET"}' not in after
    assert 'tasks_total{status="success",task_name="t"} 2.0' in after


def test_summing_collector_gives_the_same_exposition_as_prometheus_client(tmp_path):
    """Four processes write counters, histograms and gauges of several modes; both merges agree."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    writer = textwrap.dedent(
        """
        import os
        from prometheus_client import Gauge
        from monitoring import metrics
        n = os.getpid() % 7
        for i in range(20):
            metrics.http_requests_total.labels(method="GET", endpoint=f"/r{i}/", status=str(200 + i % 3)).inc(n + 1)
            metrics.http_request_duration_seconds.labels(method="GET", endpoint=f"/r{i}/").observe(0.03 * (i + n))
        metrics.http_requests_in_progress.labels(method="POST").inc(2)
        Gauge("bench_max", "max gauge", multiprocess_mode="max").set(n)
        Gauge("bench_all", "per-process gauge", multiprocess_mode="all").set(n)
        """
    )
    for _ in range(4):
        subprocess.run([sys.executable, "-c", writer], env=env, check=True, cwd=os.getcwd())
    reader = textwrap.dedent(
        """
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess
        from monitoring.multiprocess import SummingCollector, multiproc_dir
        ours, theirs = CollectorRegistry(), CollectorRegistry()
        ours.register(SummingCollector(multiproc_dir()))
        multiprocess.MultiProcessCollector(theirs)
        print(generate_latest(ours).decode())
        print("=====")
        print(generate_latest(theirs).decode())
        """
    )
    out = subprocess.run([sys.executable, "-c", reader], env=env, check=True, capture_output=True, text=True, cwd=os.getcwd()).stdout
    ours, theirs = out.split("=====")

    def normalised(text: str) -> list[str]:
        return sorted(line for line in text.splitlines() if line.strip())

    assert normalised(ours) == normalised(theirs)
    assert 'http_request_duration_seconds_bucket{endpoint="/r5/",le="+Inf",method="GET"} 4.0' in ours


def test_wipe_dir_empties_the_multiprocess_directory(tmp_path, monkeypatch):
    from monitoring.multiprocess import wipe_dir

    (tmp_path / "counter_123.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert wipe_dir() == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_the_qcluster_metrics_server_wants_the_token(tmp_path, monkeypatch):
    from monitoring.management.commands.serve_metrics import metrics_app

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    app = metrics_app("sidecar-token")
    answers = []

    def call(path: str, auth: str = "") -> bytes:
        environ = {"PATH_INFO": path, "HTTP_AUTHORIZATION": auth}
        return b"".join(app(environ, lambda status, headers: answers.append(status)))

    call("/metrics")
    call("/metrics", "Bearer wrong")
    call("/elsewhere", "Bearer sidecar-token")
    assert answers == ["401 Unauthorized", "401 Unauthorized", "404 Not Found"]
