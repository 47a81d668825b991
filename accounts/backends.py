"""Password sign-in that lets the owner of a deleted account cancel the deletion.

Django's ModelBackend refuses inactive users, and a deleted account is made inactive at
once (so its tokens, sessions and work stop). Signing in again within the grace period
is how the owner cancels, so this backend accepts the password of an account that is
inactive *only because its deletion is pending*, and restores the account right there:
``authenticate()`` is the one step every password login passes through (the API login,
the admin login, DRF's basic auth), whether or not the caller goes on to send
``user_logged_in``. An account an operator deactivated (no ``deleted_at``), or one past
its grace period, still cannot sign in.

Because every password login passes through here, this is also where the failed-login
limits of ``accounts.login`` are applied: checked before the password is looked at,
counted after. The admin login, the session login and the API cannot skip them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.gdpr import user_delete_cancel, user_deletion_pending
from accounts.login import login_failure_record, login_limits_check, login_success_record, request_address


class EmailBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        email = str(username if username is not None else kwargs.get("email") or "").strip().lower()
        # No request: a call from our own code (a shell, a command), not a way in from outside.
        limited = request is not None and password is not None and bool(email)
        address = request_address(request)
        if limited:
            login_limits_check(email=email, address=address)  # LoginThrottled: authenticate() answers None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not user.is_active and not user_delete_cancel(user=user):
            user = None
        if limited:
            if user is None:
                login_failure_record(email=email, address=address)
            else:
                login_success_record(user=user, email=email, address=address)
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active or user_deletion_pending(user))

    def get_user(self, user_id: Any) -> Any:
        # A session is never a way back in for a deleted account: only the password is.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
