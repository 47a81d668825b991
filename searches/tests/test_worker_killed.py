"""A worker killed with SIGKILL in the middle of a scout, on the Redis broker: the scout runs again.

Real processes: a qcluster on Redis and PostgreSQL, a local marketplace whose first answer
never comes (the worker is mid-scout when it dies), and kill -9 of exactly the worker
process holding the connection to it. The Redis broker has popped the task: nothing in
django-q2 will retry it. The claim's lease runs out and the next dispatch queues it again.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from listings.models import Marketplace, ScrapeRun
from listings.tests.conftest import capture
from searches.models import Search
from searches.tests.factories import SearchFactory

ROOT = Path(__file__).resolve().parents[2]
PAGE = capture("jsonld/ours_itemlist_2026-11.html")


class HangingOnceMarket:
    """The first search request hangs until released; later ones answer at once."""

    def __init__(self) -> None:
        self.first_request = threading.Event()
        self.release = threading.Event()
        self.searches = 0
        market = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path.startswith("/robots.txt"):
                    self._answer(404, b"")
                    return
                market.searches += 1
                if market.searches == 1:
                    market.first_request.set()
                    market.release.wait(120)
                    return
                self._answer(200, PAGE)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_talking_to(cluster: psutil.Process, port: int) -> psutil.Process | None:
    for process in cluster.children(recursive=True):
        try:
            if any(conn.raddr and conn.raddr.port == port for conn in process.net_connections(kind="tcp")):
                return process
        except psutil.Error:
            continue
    return None


def _wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_scout_whose_worker_was_killed_runs_again(settings: Any) -> None:
    from django_q.brokers import get_broker

    from searches.services import dispatch_due

    settings.SCOUT_CLAIM_LEASE_SECONDS = 3
    market = HangingOnceMarket()
    marketplace = Marketplace.objects.create(
        slug="hangs", name="Hangs once", agent="jsonld", base_url=f"http://127.0.0.1:{market.port}",
        allow_private_network=True, requests_per_minute=6000,
    )  # fmt: skip
    search = SearchFactory(owner=UserFactory(), query="lamp", marketplaces=[marketplace], interval_minutes=60)
    get_broker().purge_queue()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "Q_WORKERS": "1",
        # The scout, in the cluster, starts the lease (searches_scout_started): same lease there.
        "SCOUT_CLAIM_LEASE_SECONDS": str(settings.SCOUT_CLAIM_LEASE_SECONDS),
        "DEBUG": "1",
        "LOG_FORMAT": "json",
    }
    cluster = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert dispatch_due().claimed == 1
        assert market.first_request.wait(90), "the worker never started the scout"
        worker = _wait_for(lambda: _worker_talking_to(psutil.Process(cluster.pid), market.port), 10, "the scouting worker")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        market.release.set()
        assert not ScrapeRun.objects.filter(marketplace=marketplace).exists()  # the run died with its worker

        time.sleep(settings.SCOUT_CLAIM_LEASE_SECONDS + 0.5)  # the claim's lease runs out
        assert dispatch_due().claimed == 1, "the search whose scout died was not due again"
        run = _wait_for(lambda: ScrapeRun.objects.filter(marketplace=marketplace).first(), 90, "the scout to run again")
        assert run.status == ScrapeRun.Status.OK, (run.status, run.error)
        search.refresh_from_db()
        # Finished: next run one interval after the claim, not after the lease.
        next_due = search.last_run_at + timedelta(minutes=59)
        _wait_for(lambda: Search.objects.get(pk=search.pk).next_run_at >= next_due, 10, "the next run to move on")
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(20)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(cluster.pid).children(recursive=True):
                child.kill()
            cluster.kill()
        market.close()
