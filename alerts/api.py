"""A person's alerts: list (unread filter), one alert, mark one or all read."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import user_of
from alerts import selectors, services
from alerts.models import Alert
from core.usercache import user_views_forget

ALERT_EXAMPLE = {
    "id": 88,
    "kind": "price_drop",
    "search_id": 12,
    "search_name": "Cheap ThinkPad",
    "listing_id": 9042,
    "title": "Lenovo ThinkPad X1 Carbon Gen 9, 16GB",
    "url": "https://market.example/items/9042",
    "marketplace": "sandbox",
    "price": "420.00",
    "currency": "USD",
    "channel": "email",
    "status": "sent",
    "created_at": "2026-11-29T10:00:03Z",
    "sent_at": "2026-11-29T10:00:05Z",
    "read_at": None,
}


class AlertSerializer(serializers.ModelSerializer):
    search_id = serializers.IntegerField(read_only=True)
    search_name = serializers.CharField(source="search.name", read_only=True)
    listing_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="listing.title", read_only=True)
    url = serializers.CharField(source="listing.url", read_only=True)
    marketplace = serializers.CharField(source="listing.marketplace.slug", read_only=True)

    class Meta:
        model = Alert
        fields = list(ALERT_EXAMPLE)
        read_only_fields = fields


class AlertFilter(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_unread", help_text="true: only unread; false: only read."
    )

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_unread(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(read_at__isnull=value == "true")


MarkedRead = inline_serializer("AlertsMarkedRead", {"marked_read": serializers.IntegerField()})
_TAG = ["alerts"]


@extend_schema_view(
    list=extend_schema(
        summary="Your alerts, newest first", tags=_TAG, examples=[OpenApiExample("page", response_only=True, value=ALERT_EXAMPLE)]
    ),
    retrieve=extend_schema(
        summary="One of your alerts", tags=_TAG, examples=[OpenApiExample("alert", response_only=True, value=ALERT_EXAMPLE)]
    ),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Alert.objects.none()  # the model, for the schema; rows come from get_queryset
    serializer_class = AlertSerializer
    lookup_value_regex = "[0-9]{1,18}"  # longer cannot be an id: a 404, not an overflow
    filterset_class = AlertFilter

    def get_queryset(self) -> Any:
        return selectors.alert_list_for_user(user=user_of(self.request))

    @extend_schema(
        summary="Mark one alert read",
        request=None,
        responses={200: AlertSerializer},
        examples=[OpenApiExample("read", response_only=True, value={**ALERT_EXAMPLE, "read_at": "2026-11-29T10:30:00Z"})],
        tags=_TAG,
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        alert = services.alert_mark_read(alert=self.get_object())
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        summary="Mark all your alerts read",
        request=None,
        responses={200: MarkedRead},
        examples=[OpenApiExample("all read", response_only=True, value={"marked_read": 5})],
        tags=_TAG,
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.alerts_mark_all_read(user=request.user)
        user_views_forget([request.user.pk])  # an update() sends no signal: the dashboard's count changed
        return Response({"marked_read": marked})
