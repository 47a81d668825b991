"""Token authentication: knox, minus one query per request.

knox's TokenAuthentication also loads every other token of the user on each request to
delete the expired ones (``_cleanup_token``). That is housekeeping, not a check: the
token presented is still refused once expired (and deleted then). Skipping the sweep
saves a database round trip on every authenticated API request (bench/api.py).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """How drf-spectacular documents this class (its knox extension matches only knox's own)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Token <token>" (see POST /api/v1/auth/login).',
        }
