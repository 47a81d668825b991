"""Account endpoints: register, token login/logout (knox: hashed, expiring, revocable), me, password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash, user_logged_in
from django.urls import path
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from knox.models import AuthToken
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login, services
from accounts.models import NotificationPreferences, User
from accounts.privacy_api import AccountDeleteMixin
from accounts.selectors import user_of

TOKEN_EXAMPLE = "9f2c4d0e8b7a41c3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"  # noqa: S105 - a made-up token for the docs
PROFILE_EXAMPLE = {
    "id": 7,
    "email": "ada@example.com",
    "name": "Ada",
    "timezone": "Europe/London",
    "date_joined": "2026-11-02T09:14:00Z",
    "notifications": {
        "email_enabled": True,
        "frequency": "instant",
        "quiet_hours_start": "22:00:00",
        "quiet_hours_end": "07:00:00",
        "hourly_cap": 20,
    },
}


class PreferencesSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreferences
        fields = ["email_enabled", "frequency", "quiet_hours_start", "quiet_hours_end", "hourly_cap"]
        extra_kwargs = {"hourly_cap": {"min_value": services.HOURLY_CAP_MIN, "max_value": services.HOURLY_CAP_MAX}}


class ProfileSerializer(serializers.ModelSerializer):
    notifications = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "timezone", "date_joined", "notifications"]

    @extend_schema_field(PreferencesSerializer)
    def get_notifications(self, user: User) -> dict[str, Any]:
        return PreferencesSerializer(services.preferences_for(user)).data


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=128, write_only=True)
    name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")


class LoginInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=128)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once; stored hashed.")
    expiry = serializers.DateTimeField(allow_null=True)
    user = ProfileSerializer()


class MeInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
    notifications = PreferencesSerializer(required=False, partial=True)


class PasswordInput(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


def _token_response(request: Request, user: User, http_status: int) -> Response:
    instance, token = AuthToken.objects.create(user)
    body = {"token": token, "expiry": instance.expiry, "user": user}
    return Response(TokenOutput(body).data, status=http_status)


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account and get a token",
        request=RegisterInput,
        responses={201: TokenOutput},
        examples=[
            OpenApiExample(
                "register",
                request_only=True,
                value={"email": "ada@example.com", "password": "correct-horse-battery", "name": "Ada", "timezone": "Europe/London"},
            ),
            OpenApiExample(
                "registered",
                response_only=True,
                status_codes=["201"],
                value={"token": TOKEN_EXAMPLE, "expiry": "2026-12-29T09:14:00Z", "user": PROFILE_EXAMPLE},
            ),
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return _token_response(request, user, status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_login",
        summary="Exchange e-mail and password for a token",
        description="Failed attempts are limited per client address, and per account from one address; past a limit "
        "that address gets 429 with `Retry-After`, even for the right password. The right password from any other "
        "address still signs in, so nobody can lock a person out.",
        request=LoginInput,
        responses={200: TokenOutput},
        examples=[
            OpenApiExample("login", request_only=True, value={"email": "ada@example.com", "password": "correct-horse-battery"}),
            OpenApiExample(
                "logged in",
                response_only=True,
                status_codes=["200"],
                value={"token": TOKEN_EXAMPLE, "expiry": "2026-12-29T09:14:00Z", "user": PROFILE_EXAMPLE},
            ),
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = login.login_attempt(
                request=request._request, email=data.validated_data["email"], password=data.validated_data["password"]
            )
        except login.LoginThrottled as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail="Too many failed logins. Try again later.") from None
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)  # sets last_login
        return _token_response(request, user, status.HTTP_200_OK)


class LogoutView(APIView):
    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke the token used (or end the session)",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        else:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(AccountDeleteMixin, APIView):
    @extend_schema(
        operation_id="auth_me_retrieve",
        summary="Your profile and notification preferences",
        responses={200: ProfileSerializer},
        examples=[OpenApiExample("me", response_only=True, value=PROFILE_EXAMPLE)],
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(
        operation_id="auth_me_update",
        summary="Change your name, time zone or notification preferences",
        request=MeInput,
        responses={200: ProfileSerializer},
        examples=[
            OpenApiExample(
                "update",
                request_only=True,
                value={"timezone": "America/New_York", "notifications": {"frequency": "daily", "hourly_cap": 10}},
            ),
            OpenApiExample("updated", response_only=True, value=PROFILE_EXAMPLE),
        ],
        tags=["auth"],
    )
    def patch(self, request: Request) -> Response:
        data = MeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = services.user_update_profile(
            user=user_of(request), name=values.get("name"), timezone=values.get("timezone"), preferences=values.get("notifications")
        )
        return Response(ProfileSerializer(user).data)


class PasswordView(APIView):
    @extend_schema(
        operation_id="auth_password_change",
        summary="Change your password (revokes your other tokens)",
        request=PasswordInput,
        responses={204: None},
        examples=[
            OpenApiExample(
                "change", request_only=True, value={"current_password": "correct-horse-battery", "new_password": "staple-lamp-orbit-42"}
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = PasswordInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = request.auth if isinstance(request.auth, AuthToken) else None
        user = user_of(request)
        services.user_change_password(user=user, keep_token=token, **data.validated_data)
        if token is None:
            update_session_auth_hash(request._request, user)  # keep this session signed in
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("register", RegisterView.as_view(), name="auth-register"),
    path("login", LoginView.as_view(), name="auth-login"),
    path("logout", LogoutView.as_view(), name="auth-logout"),
    path("me", MeView.as_view(), name="auth-me"),
    path("password", PasswordView.as_view(), name="auth-password"),
]
