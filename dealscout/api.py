"""API plumbing shared by every app: router, pagination, throttles and the one error shape.

Every error the API answers, whatever raised it (a serializer, a service, a throttle,
an unknown URL under /api/, an unhandled exception), has the same JSON body::

    {"status": 404, "code": "not_found", "detail": "Not found.", "errors": {}}

``errors`` maps field names to messages for validation errors and is empty otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from core.cache import UNAVAILABLE_ERRORS
from core.errors import DomainError

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


# --- Errors ---------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (documentation only)."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    # Named like Serializer.errors on purpose: this serializer only documents the shape.
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}

# Seconds a client is asked to wait when a backing service is down: long enough for a
# Redis failover or a pod restart, short enough that a person retrying by hand is not stuck.
UNAVAILABLE_RETRY_AFTER = 30


def error_body(status_code: int, detail: str, *, code: str | None = None, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"status": status_code, "code": code or _CODES.get(status_code, "error"), "detail": detail, "errors": errors or {}}


def _flatten(data: Any) -> dict[str, list[str]]:
    """DRF validation details -> {"field": ["message", ...]}; nested fields are dotted."""
    if isinstance(data, list):
        return {"non_field_errors": [str(item) for item in data]}
    flat: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub_key, messages in _flatten(value).items():
                flat[f"{key}.{sub_key}"] = messages
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, item in enumerate(value):
                for sub_key, messages in _flatten(item).items():
                    flat[f"{key}.{index}.{sub_key}"] = messages
        elif isinstance(value, list):
            flat[key] = [str(item) for item in value]
        else:
            flat[key] = [str(value)]
    return flat


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (it sets WWW-Authenticate and Retry-After), then our one body shape."""
    if isinstance(exc, DomainError):
        errors = {exc.field: [exc.message]} if exc.field else {}
        return Response(error_body(400, exc.message, code=exc.code, errors=errors), status=400)
    if isinstance(exc, UNAVAILABLE_ERRORS):
        # Redis (cache or task broker) or the database is unreachable: the request did not
        # happen, and may work if repeated. Named by type only: messages carry host names.
        logger.warning("backing_service_unavailable", extra={"error_type": type(exc).__name__})
        body = error_body(503, "A service we depend on is unavailable; nothing was changed. Try again shortly.")
        return Response(body, status=503, headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unhandled: Django logs it, Sentry sees it, handler500 answers
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(response.data)
        response.data = error_body(response.status_code, "Invalid input.", errors=errors)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        # DRF's own reason (parse_error, authentication_failed, ...) when it has one.
        response.data = error_body(response.status_code, str(detail), code=getattr(detail, "code", None))
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(404, "Not found."), status=404)
    return defaults.page_not_found(request, exception or Http404())


def handler500(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(500, "Server error."), status=500)
    return defaults.server_error(request)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(403, "Forbidden."), status=403)
    return defaults.permission_denied(request, exception or DjangoPermissionDenied())


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(400, "Bad request."), status=400)
    return defaults.bad_request(request, exception or Exception())


def error_responses(*codes: int) -> dict[int, Any]:
    """drf-spectacular ``responses`` entries for error statuses, all with the one shape."""
    return {code: ErrorSerializer for code in codes}


router = DefaultRouter(trailing_slash=True)

__all__ = ["Pagination", "router", "status"]
