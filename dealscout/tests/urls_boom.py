"""The real URLs plus two views that fail, to test the 500 answers (tests only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from dealscout.urls import handler400, handler403, handler404, handler500
from dealscout.urls import urlpatterns as real_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@api_view(["GET"])
@permission_classes([AllowAny])
def drf_boom(request: Request) -> HttpResponse:
    raise RuntimeError("secret-database-password in a stack trace")


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-database-password in a stack trace")


urlpatterns = [
    path("api/v1/boom/drf", drf_boom),
    path("api/v1/boom/plain", plain_boom),
    path("site/boom", plain_boom),
    *real_urlpatterns,
]
