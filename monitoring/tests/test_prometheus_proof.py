"""The proof: a real Prometheus scrapes the running service and finds every signal.

gunicorn (2 workers) and a qcluster with its metrics sidecar run on the embedded default
(a SQLite file in a temporary directory, the ORM broker) or, when the suite runs on
PostgreSQL and Redis, on a database of their own next to the test database (the name with
``_proof`` appended) and the suite's Redis with its own key prefix; the sandbox shop serves a
marketplace, and Debian's ``prometheus`` scrapes both on loopback ports. After some
traffic and a scout round, Prometheus must report every alert rule loaded and healthy,
and every query of every Grafana panel must parse and return series.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from listings.sandbox.server import SandboxApp, serve

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "k8s" / "prometheus" / "alert-rules.yml"
DASHBOARDS = sorted((ROOT / "k8s" / "grafana").glob("*.json"))
TOKEN = "proof-metrics-token"
# Series that only production backends produce: PostgreSQL's connection limit and the
# Redis cache backend's hit counters. Their panels must parse; they cannot have data here.
PRODUCTION_ONLY = ("database_connections_max", "django_cache_get_hits_total", "django_cache_get_total")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, token: str | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(what: str, check, timeout: float = 40, interval: float = 0.5):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, ValueError, KeyError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last answer: {last!r}")


class Service:
    def __init__(self, tmp: Path, sandbox_url: str, database_url: str | None, redis_url: str | None) -> None:
        self.tmp = tmp
        self.sandbox_url = sandbox_url
        self.api_port, self.qc_port, self.prom_port = free_port(), free_port(), free_port()
        self.processes: list[subprocess.Popen] = []
        self.production_backends = bool(database_url and redis_url)
        base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SENTRY_DSN")}
        self.env = {
            **base,
            "DEBUG": "true",
            "VAR_DIR": str(tmp / "var"),
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'proof.sqlite3'}",
            **({"REDIS_URL": redis_url, "SERVICE_NAME": "dealscout-proof"} if redis_url else {}),
            "METRICS_TOKEN": TOKEN,
            "LOG_LEVEL": "warning",
            "LOG_FORMAT": "json",
            "Q_WORKERS": "2",
        }

    def manage(self, *args: str, metrics_dir: str | None = None, **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
        env = {**self.env, **({"PROMETHEUS_MULTIPROC_DIR": metrics_dir} if metrics_dir else {})}
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
        assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def start(self, args: list[str], metrics_dir: str | None, name: str) -> None:
        env = {**self.env, **({"PROMETHEUS_MULTIPROC_DIR": metrics_dir} if metrics_dir else {})}
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.processes.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def prometheus_config(self) -> Path:
        auth = f"    authorization:\n      type: Bearer\n      credentials: {TOKEN}\n"
        config = (
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {RULES}\n"
            "scrape_configs:\n"
            f"  - job_name: dealscout-api\n    metrics_path: /api/v1/monitoring/metrics\n{auth}"
            f"    static_configs:\n      - targets: ['127.0.0.1:{self.api_port}']\n"
            f"  - job_name: dealscout-qcluster\n    metrics_path: /metrics\n{auth}"
            f"    static_configs:\n      - targets: ['127.0.0.1:{self.qc_port}']\n"
        )
        path = self.tmp / "prometheus.yml"
        path.write_text(config)
        return path

    def query(self, expr: str) -> dict:
        url = f"http://127.0.0.1:{self.prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        status, body = get(url)
        return json.loads(body)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("prometheus is not installed (Debian package prometheus; .ci/run installs it)")
    shop = serve(SandboxApp())
    database_url = proof_database() if settings.USING_POSTGRES else None
    svc = Service(tmp_path, f"http://127.0.0.1:{shop.server_port}", database_url, os.environ.get("REDIS_URL"))
    try:
        svc.manage("migrate", "--noinput")
        svc.manage("createcachetable")
        svc.manage("shell", "-c", SETUP_DATA.format(base_url=svc.sandbox_url))
        api_dir, qc_dir = str(tmp_path / "api-metrics"), str(tmp_path / "qc-metrics")
        os.mkdir(api_dir)  # as the pods' emptyDir volumes
        os.mkdir(qc_dir)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        svc.start([gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{svc.api_port}", "--workers", "2",
                   "dealscout.wsgi:application"], api_dir, "gunicorn")  # fmt: skip
        svc.manage("metrics_dir_reset", metrics_dir=qc_dir)
        svc.start([sys.executable, "manage.py", "qcluster"], qc_dir, "qcluster")
        svc.start(
            [sys.executable, "manage.py", "serve_metrics", "--host", "127.0.0.1", "--port", str(svc.qc_port)], qc_dir, "serve_metrics"
        )
        svc.start([prometheus, f"--config.file={svc.prometheus_config()}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                   f"--web.listen-address=127.0.0.1:{svc.prom_port}"], None, "prometheus")  # fmt: skip
        yield svc
    finally:
        svc.stop()
        if database_url:
            drop_proof_database()
        shop.shutdown()
        shop.server_close()
        for log in sorted(tmp_path.glob("*.log")):
            # Shown by pytest when the test fails: what each server said last.
            print(f"--- {log.name} (tail)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))  # noqa: T201


def _admin_connection():  # noqa: ANN202
    import psycopg

    main = settings.DATABASES["default"]
    return psycopg.connect(host=main["HOST"], port=main["PORT"] or 5432, user=main["USER"], password=main["PASSWORD"] or None,
                           dbname="postgres", autocommit=True)  # fmt: skip


def proof_database() -> str:
    """A fresh database beside the suite's own, for the servers this test starts."""
    main = settings.DATABASES["default"]
    name = f"{main['NAME']}_proof"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{main['PASSWORD']}" if main["PASSWORD"] else ""
    return f"postgres://{main['USER']}{password}@{main['HOST']}:{main['PORT'] or 5432}/{name}"


def drop_proof_database() -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{settings.DATABASES["default"]["NAME"]}_proof" WITH (FORCE)')


SETUP_DATA = """
from django.contrib.auth import get_user_model
from listings.models import Marketplace
from searches.models import Search
user = get_user_model().objects.create_user(email="proof@example.com", password="proof-password-123")
market = Marketplace.objects.create(slug="sandbox", name="Sandbox", agent="jsonld", base_url="{base_url}",
                                    allow_private_network=True)
search = Search.objects.create(owner=user, name="camera", query="fujifilm x100v")
search.marketplaces.add(market)
"""

QUEUE_SCOUT_ROUND = "from django_q.tasks import async_task; async_task('searches.tasks.dispatch_due')"


def test_prometheus_scrapes_the_service_and_finds_every_rule_and_panel_series(service: Service):
    api = f"http://127.0.0.1:{service.api_port}"
    wait_for("gunicorn", lambda: get(f"{api}/health")[0] == 200)
    wait_for("the qcluster metrics sidecar", lambda: get(f"http://127.0.0.1:{service.qc_port}/metrics", TOKEN)[0] == 200)
    assert get(f"{api}/api/v1/monitoring/metrics")[0] == 401  # the token is required

    # Traffic over several routes and statuses, spread over both workers.
    for _ in range(20):
        for path in ("/health", "/api/v1/monitoring/health/live", "/api/v1/monitoring/health/ready", "/api/v1/searches/",
                     "/api/v1/searches/1/", "/no/such/page"):  # fmt: skip
            get(api + path)
    service.manage("shell", "-c", QUEUE_SCOUT_ROUND)

    prom = f"http://127.0.0.1:{service.prom_port}"
    wait_for("Prometheus", lambda: get(f"{prom}/-/ready")[0] == 200)

    def targets_up() -> bool:
        active = json.loads(get(f"{prom}/api/v1/targets")[1])["data"]["activeTargets"]
        return len(active) == 2 and all(t["health"] == "up" for t in active)

    wait_for("both targets up", targets_up)

    def scout_round_seen() -> bool:
        result = service.query('sum(tasks_total{task_name="searches.tasks.scout",status="success"})')["data"]["result"]
        return bool(result) and float(result[0]["value"][1]) >= 1

    wait_for("the scout task counted by the qcluster's metrics", scout_round_seen, timeout=60)

    def rules_evaluated() -> list[dict]:
        groups = json.loads(get(f"{prom}/api/v1/rules")[1])["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        return rules if rules and all(rule["health"] != "unknown" for rule in rules) else []

    rules = wait_for("every rule evaluated once", rules_evaluated)
    assert len(rules) == 11
    assert [r["name"] for r in rules if r["health"] != "ok"] == [], [(r["name"], r.get("lastError")) for r in rules]
    time.sleep(3)  # a few more scrapes after the scout round, so that rate() has two points

    empty, failed = [], []
    for dashboard in DASHBOARDS:
        for panel in json.loads(dashboard.read_text())["panels"]:
            for target in panel["targets"]:
                answer = service.query(target["expr"])
                if answer.get("status") != "success":
                    failed.append((dashboard.name, panel["title"], answer.get("error")))
                elif not answer["data"]["result"] and (
                    service.production_backends or not any(m in target["expr"] for m in PRODUCTION_ONLY)
                ):
                    empty.append((dashboard.name, panel["title"], target["expr"]))
    assert failed == []
    assert empty == []

    # django-q2's own statistics reached the gauges and the detailed health check.
    workers = service.query("max(qcluster_workers)")["data"]["result"]
    assert float(workers[0]["value"][1]) >= 2
    status, body = get(f"{api}/api/v1/monitoring/health/detailed", TOKEN)
    qcluster = json.loads(body)["components"]["qcluster"]
    assert qcluster["status"] == "healthy" and qcluster["workers"] >= 2, qcluster

    # The merged multiprocess expositions pass promtool's linter too.
    promtool = shutil.which("promtool")
    if promtool:
        for url in (f"{api}/api/v1/monitoring/metrics", f"http://127.0.0.1:{service.qc_port}/metrics"):
            checked = subprocess.run([promtool, "check", "metrics"], input=get(url, TOKEN)[1], capture_output=True)
            assert checked.returncode == 0, (url, checked.stdout, checked.stderr)

    # Both gunicorn workers wrote their own files, and the endpoint summed them.
    pids = {p.stem.rsplit("_", 1)[1] for p in (service.tmp / "api-metrics").glob("counter_*.db")}
    assert len(pids) >= 2, pids
    total = service.query('sum(http_requests_total{endpoint="/health",status="200"})')["data"]["result"]
    assert float(total[0]["value"][1]) >= 20
