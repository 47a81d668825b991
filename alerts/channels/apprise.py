"""Apprise URLs (Slack, Discord, Telegram, ntfy, Pushover, Matrix, ...) through the apprise library.

The URL carries the service's tokens, so it is the channel's secret: it is never logged
(apprise's own log lines are kept at WARNING and name no URL) nor written to an error.
For the generic JSON/XML/form targets, whose host the user picks, the host must pass
the private-address guard like a webhook.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import apprise

from alerts.channels import DeliveryError
from alerts.channels.webhook import allow_private_addresses
from alerts.messages import Message
from alerts.models import NotificationChannel
from core.netguard import AddressNotAllowed, check_url_allowed

# Schemes whose host is the user's choice; the others post to the service's own hosts.
_USER_HOSTED = {"json": "http", "jsons": "https", "xml": "http", "xmls": "https", "form": "http", "forms": "https"}

logging.getLogger("apprise").setLevel(logging.WARNING)


def apprise_url_check(url: str) -> None:
    """Raise DeliveryError(permanent) when apprise cannot read the URL or its host is private."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "json://[::1/h": an unclosed IPv6 bracket (the message would echo the URL)
        raise DeliveryError("not a valid URL", permanent=True) from None
    web_scheme = _USER_HOSTED.get(parts.scheme.lower())
    if web_scheme:
        try:
            check_url_allowed(f"{web_scheme}://{parts.netloc.rpartition('@')[2]}/", allow_private=allow_private_addresses())
        except AddressNotAllowed as exc:
            raise DeliveryError(f"Apprise URL refused: {exc}", permanent=True) from None
    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        raise DeliveryError("not a URL apprise can use", permanent=True)


class AppriseSender:
    kind = "apprise"

    def send(self, *, message: Message, channel: NotificationChannel) -> None:
        from alerts.channels.email import email_render

        apprise_url_check(channel.secret)
        notifier = apprise.Apprise()
        notifier.add(channel.secret)
        body = email_render(message=message, to=message.user_email).body
        if not notifier.notify(title=message.subject, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise DeliveryError("the Apprise service did not accept the message")

    def close(self) -> None:
        pass
