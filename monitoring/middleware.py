"""Request middleware: a request id, timing, metrics and one log line per request."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable

import sentry_sdk
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from monitoring.logging import bind_context, clear_context, current_request, start_context
from monitoring.request_metrics import tally
from monitoring.routes import UNMATCHED, route_template

logger = logging.getLogger("monitoring.requests")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
SLOW_REQUEST_SECONDS = 1.0
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes arrive every few seconds: their lines would drown the rest.
QUIET_ENDPOINTS = frozenset({"/health", "/api/v1/monitoring/health/live", "/api/v1/monitoring/health/ready", "/api/v1/monitoring/metrics"})


def request_id_from(request: HttpRequest) -> str:
    # META directly: request.headers builds a dict of every header on first use.
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    # 32 random hex digits, as uuid4().hex but with no UUID object and no system call per
    # request: an id tells requests apart in the logs, it guards nothing (random reseeds
    # in each forked worker).
    return incoming if incoming and REQUEST_ID_RE.match(incoming) else f"{random.getrandbits(128):032x}"  # noqa: S311


def method_label(method: str | None) -> str:
    method = (method or "").upper()
    return method if method in KNOWN_METHODS else "other"


class RequestMonitoringMiddleware:
    """Outermost middleware, so its timing and headers cover every other layer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Cleared again when the request ends (below).
        start_context(request_id=request_id)
        token = current_request.set(request)
        method = method_label(request.method)
        tally.started(method)
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            endpoint = route_template(getattr(request, "resolver_match", None))
            status = response.status_code
            response["X-Request-ID"] = request_id
            response["X-Process-Time"] = f"{duration:.6f}"
            self._log(request, endpoint, status, duration)
            tally.finished(method, endpoint, status, duration)  # last: it also ends the request's "in progress"
            return response
        except BaseException:
            tally.abandoned(method)
            raise
        finally:
            current_request.reset(token)
            clear_context()

    def process_view(self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object) -> None:
        # With a session cookie the user is known now: resolving the lazy user costs the
        # query the view makes anyway. Without one there is no session user to find, and
        # token authentication (DRF, inside the view) is picked up per line by
        # monitoring.logging.add_user_id. (Most API requests carry no cookie at all.)
        if "HTTP_COOKIE" not in request.META or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            bind_context(user_id=user.pk)
            # send_default_pii is off, so Sentry learns who only from us: the id, nothing else.
            sentry_sdk.set_user({"id": user.pk})

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Sentry's Django integration reports it too; this line ties it to the request id.
        logger.error(
            "request_failed",
            exc_info=exception,
            extra={"method": request.method, "endpoint": route_template(getattr(request, "resolver_match", None))},
        )

    @staticmethod
    def _log(request: HttpRequest, endpoint: str, status: int, duration: float) -> None:
        # The metrics count every request; a line is written for the ones worth reading
        # later: errors, refusals, slow answers and writes. Successful fast reads are at
        # debug (LOG_LEVEL=debug shows them), which keeps logging off the hot path.
        if status >= 500:
            level = logging.ERROR
        elif endpoint in QUIET_ENDPOINTS:
            level = logging.DEBUG
        elif status >= 400 or duration >= SLOW_REQUEST_SECONDS or request.method not in ("GET", "HEAD", "OPTIONS"):
            level = logging.INFO
        else:
            level = logging.DEBUG
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "request_finished",
                extra={
                    "method": request.method,
                    "endpoint": endpoint,
                    "path": request.path if endpoint == UNMATCHED else endpoint,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                },
            )
