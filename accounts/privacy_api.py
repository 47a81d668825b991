"""The person's rights through the API: their data as JSON, and deleting the account.

Kept apart from ``accounts/api.py`` (sign-in, profile). ``AccountDeleteMixin`` carries
the DELETE of ``/api/v1/auth/me``, so the profile view can take it by inheritance when
both live on the same route.
"""

from __future__ import annotations

from django.urls import path
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gdpr import erase_due_at, user_data_export, user_delete_request


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, help_text="The account's current password, to confirm.")


class AccountDeleteOutput(serializers.Serializer):
    deleted_at = serializers.DateTimeField()
    erase_after = serializers.DateTimeField()
    detail = serializers.CharField()


class AccountDeleteMixin:
    """DELETE: deactivate the signed-in account now, erase it after the grace period."""

    def delete(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise serializers.ValidationError({"password": ["Wrong password."]})
        user = user_delete_request(user=request.user)
        body = {
            "deleted_at": user.deleted_at,
            "erase_after": erase_due_at(user),
            "detail": "The account is deactivated and will be erased after the grace period; sign in again to cancel.",
        }
        return Response(AccountDeleteOutput(body).data, status=status.HTTP_202_ACCEPTED)


class AccountDeleteView(AccountDeleteMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]


class AccountExportView(APIView):
    """GET: everything we hold about the signed-in person, as one JSON document."""

    permission_classes = [permissions.IsAuthenticated]

    def get(self, request: Request) -> Response:
        response = Response(user_data_export(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="dealscout-my-data.json"'
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [
    path("me/export", AccountExportView.as_view(), name="auth-me-export"),
    path("me", AccountDeleteView.as_view(), name="auth-me-delete"),
]
