from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def health(request: HttpRequest) -> JsonResponse:
    """Cheap liveness summary for load balancers: no dependency is touched."""
    return JsonResponse({"status": "healthy", "version": settings.VERSION, "environment": settings.ENVIRONMENT})
