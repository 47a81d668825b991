"""gunicorn settings for Deal Scout: ``gunicorn -c gunicorn.conf.py dealscout.wsgi:application``.

The hooks keep Prometheus multiprocess mode honest: the metrics directory is emptied
when the arbiter starts, a worker that exits first writes the request metrics it still
holds, and is then marked dead so that its live gauges stop counting. https://docs.gunicorn.org/en/stable/settings.html#server-hooks
"""

from __future__ import annotations

import os

from monitoring.multiprocess import mark_process_dead, wipe_dir
from monitoring.request_metrics import tally

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so slow memory growth cannot build up for ever. Not too
# often: a restart reloads Django (about half a second) and the requests queued behind it
# wait; at 2,000 a fast endpoint restarted each worker every few seconds and its p95 went
# from 5 ms to 600 ms (bench/api.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# The request middleware writes one JSON line per request; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Worker heartbeat files; with a read-only root file system point it at a writable emptyDir.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None


def on_starting(server: object) -> None:
    wipe_dir()


def worker_exit(server: object, worker: object) -> None:
    # In the worker: the request metrics it has not written yet (monitoring.request_metrics).
    tally.flush()


def child_exit(server: object, worker: object) -> None:
    mark_process_dead(worker.pid)  # type: ignore[attr-defined]
