"""Signed one-click unsubscribe tokens: who, and which searches to pause, without a login."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

_SALT = "alerts.unsubscribe"


def unsubscribe_token(*, user_id: int, search_ids: list[int]) -> str:
    return signing.dumps({"u": user_id, "s": sorted(set(search_ids))}, salt=_SALT, compress=True)


def unsubscribe_token_read(*, token: str) -> tuple[int, list[int]]:
    """(user id, search ids) from a token; ``signing.BadSignature`` when it was not ours.

    No expiry: an unsubscribe link in an old e-mail must keep working.
    """
    data = signing.loads(token, salt=_SALT)
    return int(data["u"]), [int(search_id) for search_id in data["s"]]


def unsubscribe_url(*, user_id: int, search_ids: list[int]) -> str:
    return f"{settings.SITE_URL}/alerts/unsubscribe/{unsubscribe_token(user_id=user_id, search_ids=search_ids)}/"


def search_manage_url(*, search_id: int) -> str:
    """The search's page in the web app (web.urls: /searches/<id>/)."""
    return f"{settings.SITE_URL}/searches/{search_id}/"


def listing_page_url(*, listing_id: int) -> str:
    """The listing's page in the web app (web.urls: /listings/<id>/): its chart and why it is a deal."""
    return f"{settings.SITE_URL}/listings/{listing_id}/"
