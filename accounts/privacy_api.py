"""The person's rights through the API: their data as JSON, and deleting the account.

Kept apart from ``accounts/api.py`` (sign-in, profile). ``AccountDeleteMixin`` carries
the DELETE of ``/api/v1/auth/me``; the profile view (GET/PATCH on the same route)
inherits it, since one route is served by one view.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiExample, OpenApiTypes, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gdpr import erase_due_at, user_data_export, user_delete_confirmed
from accounts.selectors import user_of


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, help_text="The account's current password, to confirm.")


class AccountDeleteOutput(serializers.Serializer):
    deleted_at = serializers.DateTimeField()
    erase_after = serializers.DateTimeField()
    detail = serializers.CharField()


class AccountDeleteMixin:
    """DELETE: deactivate the signed-in account now, erase it after the grace period."""

    @extend_schema(
        operation_id="auth_me_delete",
        summary="Delete your account (erased after the grace period; signing in again cancels)",
        request=AccountDeleteInput,
        responses={202: AccountDeleteOutput},
        examples=[
            OpenApiExample("confirm", request_only=True, value={"password": "the account's password"}),
            OpenApiExample(
                "accepted",
                response_only=True,
                status_codes=["202"],
                value={
                    "deleted_at": "2026-03-01T12:00:00Z",
                    "erase_after": "2026-03-31T12:00:00Z",
                    "detail": "The account is deactivated and will be erased after the grace period; sign in again to cancel.",
                },
            ),
        ],
        tags=["auth"],
    )
    def delete(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_delete_confirmed(user=user_of(request), password=data.validated_data["password"])
        body = {
            "deleted_at": user.deleted_at,
            "erase_after": erase_due_at(user),
            "detail": "The account is deactivated and will be erased after the grace period; sign in again to cancel.",
        }
        return Response(AccountDeleteOutput(body).data, status=status.HTTP_202_ACCEPTED)


class AccountExportView(APIView):
    """GET: everything we hold about the signed-in person, as one JSON document."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="auth_me_export",
        summary="Everything we hold about you, as one JSON document",
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "export",
                response_only=True,
                value={"format": "dealscout-personal-data", "version": 1, "user_id": 42, "records": {"accounts.User": []}},
            )
        ],
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        response = Response(user_data_export(user=user_of(request)))
        response["Content-Disposition"] = 'attachment; filename="dealscout-my-data.json"'
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [
    path("me/export", AccountExportView.as_view(), name="auth-me-export"),
]
