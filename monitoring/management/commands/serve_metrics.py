"""A tiny exposition server for the qcluster pod: its worker processes have no HTTP server.

It reads the multiprocess directory that the qcluster's workers write to and answers
``GET /metrics`` (bearer token when METRICS_TOKEN is set). Scrape-time gauges (queue
depth, business gauges) are left to the web pods, so that they are not counted twice.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from prometheus_client import CONTENT_TYPE_LATEST

from monitoring.collectors import render
from monitoring.multiprocess import mark_dead_processes, multiproc_dir


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


def metrics_app(token: str) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in ("/metrics", "/metrics/"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found: try /metrics\n"]
        given = environ.get("HTTP_AUTHORIZATION", "")
        if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [b"Bearer token required.\n"]
        mark_dead_processes()
        body = render(include_scrape_time=False)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return app


class Command(BaseCommand):
    help = "Serve the qcluster's Prometheus metrics (from PROMETHEUS_MULTIPROC_DIR) on /metrics."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a pod's port, reached by Prometheus
        parser.add_argument("--port", type=int, default=9100)

    def handle(self, *args: Any, **options: Any) -> None:
        directory = multiproc_dir()
        if directory is None:
            raise CommandError("PROMETHEUS_MULTIPROC_DIR is not set: there is nothing to serve.")
        if not settings.METRICS_TOKEN and not settings.DEBUG:
            raise CommandError("METRICS_TOKEN is not set with DEBUG off: the metrics would be open to anyone.")
        server = make_server(options["host"], options["port"], metrics_app(settings.METRICS_TOKEN), _ThreadingServer, _QuietHandler)
        self.stdout.write(f"Serving metrics from {directory} on http://{options['host']}:{server.server_port}/metrics")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
