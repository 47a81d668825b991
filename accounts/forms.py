"""Sign-in forms for the admin and the browsable API's session login, with the login limits.

The limits are enforced by the authentication backend whatever form is used; these
forms only check them first, so a throttled person reads "too many failed sign-ins,
try again in N minutes" instead of "wrong password".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts.login import LoginThrottled, login_limits_check, request_address


class _LimitedLogin:
    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "").strip().lower()
        if email and self.request is not None:
            try:
                login_limits_check(email=email, address=request_address(self.request))
            except LoginThrottled as exc:
                minutes = max(1, round(exc.retry_after / 60))
                raise forms.ValidationError(
                    "Too many failed sign-ins from your address. Try again in %(minutes)d minute(s).",
                    code="throttled",
                    params={"minutes": minutes},
                ) from None
        return super().clean()  # type: ignore[misc]


class LimitedAuthenticationForm(_LimitedLogin, AuthenticationForm):
    """The session login of the browsable API (and any Django LoginView)."""


class LimitedAdminAuthenticationForm(_LimitedLogin, AdminAuthenticationForm):
    """The admin's login (staff only, as Django's)."""
