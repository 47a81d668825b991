"""Webhook: a JSON POST, signed with HMAC-SHA256 over the timestamp and the body.

Header ``X-DealScout-Signature: t=<unix seconds>,v1=<hex digest>``, where the digest is
HMAC-SHA256 with the channel's secret over ``"<t>." + body``. A receiver recomputes it
and rejects a stale ``t``, so a captured request cannot be replayed later.
``X-DealScout-Notification`` is the same on every retry: receivers can drop repeats.
The payload is documented in docs/ALERTS.md; ``PAYLOAD_VERSION`` changes if it ever must.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import requests
from django.conf import settings

from alerts.channels import DeliveryError
from alerts.messages import Message
from alerts.models import NotificationChannel
from core.netguard import AddressGuard, AddressNotAllowed, guarded_session, target_of

PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "X-DealScout-Signature"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


def webhook_payload(*, message: Message) -> dict[str, Any]:
    return {
        "version": PAYLOAD_VERSION,
        "type": message.kind,
        "notification_id": message.notification_id,
        "created_at": message.created_at.isoformat(),
        "items": [
            {
                "event": item.kind,
                "listing": {
                    "id": item.listing_id,
                    "title": item.title,
                    "url": item.url,
                    "image_url": item.image_url or None,
                    "price": str(item.price) if item.price is not None else None,
                    "currency": item.currency,
                    "marketplace": item.marketplace,
                    "location": item.location,
                    "condition": item.condition,
                    "first_seen_at": item.first_seen_at.isoformat(),
                },
                "deal_score": str(item.deal_score) if item.deal_score is not None else None,
                "score_explanation": item.score_explanation,
                "searches": [{"id": search.id, "name": search.name, "url": search.manage_url} for search in item.searches],
            }
            for item in message.items
        ],
        "notices": message.notices,
    }


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def allow_private_addresses() -> bool:
    # Only tests (and the sandbox demo) talk to receivers on loopback.
    return bool(getattr(settings, "ALERTS_ALLOW_PRIVATE_WEBHOOKS", False))


class WebhookSender:
    kind = "webhook"

    def __init__(self) -> None:
        # Every connection goes to an address the guard checked (no DNS rebinding);
        # proxies from the environment are ignored.
        self._session = guarded_session(guard=AddressGuard(allow_private=allow_private_addresses()))
        self._session.headers["User-Agent"] = f"DealScout-Webhook/{settings.VERSION}"

    def send(self, *, message: Message, channel: NotificationChannel) -> None:
        url = channel.config.get("url", "")
        try:
            target_of(url)
        except AddressNotAllowed as exc:
            raise DeliveryError(f"webhook URL refused: {exc}", permanent=True) from None
        body = json.dumps(webhook_payload(message=message), separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: webhook_signature(secret=channel.secret, timestamp=int(time.time()), body=body),
            "X-DealScout-Notification": str(message.notification_id),
        }
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=False)
        except AddressNotAllowed as exc:  # the guard, at connect time: a private address, no address
            raise DeliveryError(f"webhook URL refused: {exc}", permanent=True) from None
        except requests.RequestException as exc:
            raise DeliveryError(f"request failed: {type(exc).__name__}") from None
        if response.status_code == 410:
            raise DeliveryError("the receiver answered 410 Gone", permanent=True)
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"the receiver answered HTTP {response.status_code}")

    def close(self) -> None:
        self._session.close()
