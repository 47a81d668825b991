"""Reading who is asking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


def user_of(request: HttpRequest | Request) -> User:
    """The signed-in person behind a request to a view that requires a login.

    Such views never see an anonymous user (their permission class or login_required
    answered first); this says so to the type checker, and refuses (403) if one ever did.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("sign in first")
    return user
