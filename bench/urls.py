"""The real URLs plus ``/bench/bare``: a JSON view that touches nothing (no database, cache or auth).

It passes through the same middleware as every other view, so its throughput is the
ceiling of this gunicorn setup; bench/api.py reports each endpoint as a fraction of it.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from dealscout.urls import handler400, handler403, handler404, handler500
from dealscout.urls import urlpatterns as service_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare), *service_urlpatterns]
