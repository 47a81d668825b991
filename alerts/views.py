"""Channel management under /api/v1/alerts/channels/ and the one-click unsubscribe page.

Secrets are never serialized back: a webhook's signing secret appears once, in the
answer to the POST that created it; afterwards only a masked form is shown.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_of
from alerts import selectors, services
from alerts.models import NotificationChannel
from alerts.tokens import unsubscribe_token_read


class ChannelOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    secret = serializers.CharField(source="masked_secret")

    class Meta:
        model = NotificationChannel
        fields = ["id", "kind", "label", "url", "address", "secret", "enabled", "disabled_reason", "disabled_at", "created_at"]

    def get_url(self, channel: NotificationChannel) -> str:
        # An Apprise URL is all secret (its tokens sit in it); a webhook URL is not.
        return channel.config.get("url", "") if channel.kind == NotificationChannel.Kind.WEBHOOK else ""

    def get_address(self, channel: NotificationChannel) -> str:
        if channel.kind != NotificationChannel.Kind.EMAIL:
            return ""
        return channel.config.get("address") or channel.user.email


class ChannelCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationChannel.Kind.choices)
    # "label" is also an attribute of DRF's Field that the stubs type as a string.
    label = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)  # type: ignore[assignment]
    url = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    address = serializers.EmailField(required=False, default="", allow_blank=True)
    secret = serializers.CharField(max_length=200, min_length=16, required=False, default="", write_only=True)


class ChannelUpdateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)  # type: ignore[assignment]
    enabled = serializers.BooleanField(required=False)
    url = serializers.CharField(max_length=1000, required=False)


CHANNEL_EXAMPLE = {
    "id": 3,
    "kind": "webhook",
    "label": "home server",
    "url": "https://hooks.example.org/dealscout",
    "address": "",
    "secret": "****9f3a",
    "enabled": True,
    "disabled_reason": "",
    "disabled_at": None,
    "created_at": "2026-11-29T10:00:00Z",
}
CHANNEL_CREATE_EXAMPLE = {"kind": "webhook", "label": "home server", "url": "https://hooks.example.org/dealscout"}


class ChannelListView(APIView):
    @extend_schema(
        operation_id="alerts_channels_list",
        summary="Your alert channels (the account's e-mail is always one); secrets masked",
        responses={200: ChannelOutputSerializer(many=True)},
        examples=[OpenApiExample("channels", response_only=True, value=[CHANNEL_EXAMPLE])],
        tags=["alerts"],
    )
    def get(self, request: Request) -> Response:
        services.channels_for_users(user_ids={user_of(request).pk})  # the account's e-mail channel, made on first use
        channels = selectors.channels_for_user(user=user_of(request))
        return Response(ChannelOutputSerializer(channels, many=True).data)

    @extend_schema(
        operation_id="alerts_channels_create",
        summary="Add a webhook, Apprise or e-mail channel (a webhook's secret is shown once, here)",
        request=ChannelCreateSerializer,
        responses={201: ChannelOutputSerializer},
        examples=[
            OpenApiExample("webhook", request_only=True, value=CHANNEL_CREATE_EXAMPLE),
            OpenApiExample(
                "created",
                response_only=True,
                status_codes=["201"],
                value={**CHANNEL_EXAMPLE, "secret": "whsec-shown-only-this-once-7c1e9f3a"},
            ),
        ],
        tags=["alerts"],
    )
    def post(self, request: Request) -> Response:
        data = ChannelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel, shown_secret = services.channel_create(user=user_of(request), **data.validated_data)
        body = ChannelOutputSerializer(channel).data
        if shown_secret:
            body["secret"] = shown_secret  # shown this once, to set up the receiver
        return Response(body, status=status.HTTP_201_CREATED)


class ChannelDetailView(APIView):
    @extend_schema(
        operation_id="alerts_channels_retrieve",
        summary="One of your alert channels",
        responses={200: ChannelOutputSerializer},
        examples=[OpenApiExample("channel", response_only=True, value=CHANNEL_EXAMPLE)],
        tags=["alerts"],
    )
    def get(self, request: Request, channel_id: int) -> Response:
        return Response(ChannelOutputSerializer(selectors.channel_get_for_user(user=user_of(request), channel_id=channel_id)).data)

    @extend_schema(
        operation_id="alerts_channels_update",
        summary="Rename, turn on or off, or move a channel (a webhook URL passes the address guard again)",
        request=ChannelUpdateSerializer,
        responses={200: ChannelOutputSerializer},
        examples=[
            OpenApiExample("turn on", request_only=True, value={"enabled": True}),
            OpenApiExample("updated", response_only=True, value=CHANNEL_EXAMPLE),
        ],
        tags=["alerts"],
    )
    def patch(self, request: Request, channel_id: int) -> Response:
        channel = selectors.channel_get_for_user(user=user_of(request), channel_id=channel_id)
        data = ChannelUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        channel = services.channel_update(channel=channel, **data.validated_data)
        return Response(ChannelOutputSerializer(channel).data)

    @extend_schema(
        operation_id="alerts_channels_destroy",
        summary="Remove a webhook or Apprise channel (the account's e-mail can only be turned off)",
        responses={204: None},
        tags=["alerts"],
    )
    def delete(self, request: Request, channel_id: int) -> Response:
        services.channel_delete(channel=selectors.channel_get_for_user(user=user_of(request), channel_id=channel_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


ChannelTestOutput = inline_serializer(
    "ChannelTestResult", {"ok": serializers.BooleanField(), "detail": serializers.CharField(help_text="What the receiver said.")}
)


class ChannelTestView(APIView):
    throttle_scope = "scout"  # each test talks to someone else's server: the tight budget of "run now"

    @extend_schema(
        operation_id="alerts_channels_test",
        summary="Send a sample alert on this channel now and say how it went (nothing is stored)",
        request=None,
        responses={200: ChannelTestOutput},
        examples=[OpenApiExample("sent", response_only=True, value={"ok": True, "detail": "Sent. Check that it arrived."})],
        tags=["alerts"],
    )
    def post(self, request: Request, channel_id: int) -> Response:
        channel = selectors.channel_get_for_user(user=user_of(request), channel_id=channel_id)
        result = services.channel_send_test(channel=channel)
        return Response({"ok": result.ok, "detail": result.detail})


@csrf_exempt  # the signed token is the credential; mail providers POST here without a session (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners fetch links, they must not pause anything); POST pauses."""
    try:
        _user_id, search_ids = unsubscribe_token_read(token=token)
    except signing.BadSignature:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        paused = services.search_alerts_pause(token=token)
        return render(request, "alerts/unsubscribe.html", {"paused": paused})
    return render(request, "alerts/unsubscribe.html", {"paused": None, "count": len(search_ids)})
