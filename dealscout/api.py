"""API plumbing shared by every app: pagination and the router."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination
from rest_framework.routers import DefaultRouter


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


router = DefaultRouter(trailing_slash=True)
