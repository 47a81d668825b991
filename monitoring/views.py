"""Health and metrics endpoints: thin views over monitoring.health and monitoring.collectors."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from monitoring import collectors
from monitoring import health as checks


def _bearer_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _json(report: dict, unhealthy_status: int = 503) -> JsonResponse:
    return JsonResponse(report, status=unhealthy_status if report["status"] == checks.UNHEALTHY else 200)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Cheap liveness summary for load balancers: no dependency is touched."""
    return JsonResponse({"status": checks.HEALTHY, "version": settings.VERSION, "environment": settings.ENVIRONMENT})


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: no dependency checks, so a database outage restarts nothing."""
    return JsonResponse({"status": checks.HEALTHY})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Database reachable (503 until then: the pod gets no traffic); the cache is reported, degraded when down."""
    return _json(checks.readiness_report())


@never_cache
@require_GET
def detailed(request: HttpRequest) -> JsonResponse:
    user = getattr(request, "user", None)
    if not (_bearer_ok(request) or (user is not None and user.is_authenticated and user.is_staff)):
        return JsonResponse({"detail": "Staff session or monitoring token required."}, status=403)
    return _json(checks.health_report(checks.DETAILED_CHECKS))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN and not settings.DEBUG:
        # Production never serves the metrics to anyone: `check --deploy` says why (dealscout.E002).
        return HttpResponse("METRICS_TOKEN is not set: metrics are closed.\n", status=403, content_type="text/plain")
    if settings.METRICS_TOKEN and not _bearer_ok(request):
        response = HttpResponse("Bearer token required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(collectors.render(), content_type=CONTENT_TYPE_LATEST)
