"""Reading who is asking."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from accounts.models import User


def user_of(request: HttpRequest | Request) -> User:
    """The signed-in person behind a request to a view that requires a login.

    Such views never see an anonymous user (their permission class or decorator
    answered first); this says so to the type checker, and answers 401 if it ever did.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user
