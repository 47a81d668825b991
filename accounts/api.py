"""Account endpoints: token login and logout (knox: tokens stored hashed, expiring)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.urls import path
from knox.models import AuthToken
from knox.views import LogoutView
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class LoginInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, email=data.validated_data["email"].lower(), password=data.validated_data["password"])
        if user is None:
            return Response({"detail": "Wrong e-mail or password."}, status=status.HTTP_400_BAD_REQUEST)
        instance, token = AuthToken.objects.create(user)
        return Response({"token": token, "expiry": instance.expiry})


urlpatterns = [
    path("login", LoginView.as_view(), name="auth-login"),
    path("logout", LogoutView.as_view(), name="auth-logout"),
]
