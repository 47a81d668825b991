"""Apprise URLs (Slack, Discord, Telegram, ntfy, Pushover, Matrix, ...) through the apprise library.

The URL carries the service's tokens, so it is the channel's secret: it is never logged
(apprise's own log lines are kept at WARNING and name no URL) nor written to an error.

Where the host is the user's choice (every apprise service whose URL templates have a
``{host}``: the generic json/xml/form targets, self-hosted ntfy, Gotify, Mattermost,
Matrix, ...), the host must pass the address guard of ``core.netguard``, when the
channel is created and again right before each send.

What remains, because apprise opens its own connections (its plugins call ``requests``
themselves and take no session or adapter from us): a name could be re-pointed between
our check and apprise's own lookup (DNS rebinding), and a receiver's redirect is
followed by apprise. Webhooks have neither gap: they connect to the address the guard
checked. docs/ALERTS.md says the same to operators.
"""

from __future__ import annotations

import logging
from typing import Any

import apprise

from alerts.channels import DeliveryError
from alerts.channels.webhook import allow_private_addresses
from alerts.messages import Message
from alerts.models import NotificationChannel
from core.netguard import AddressNotAllowed, check_url_allowed

logging.getLogger("apprise").setLevel(logging.WARNING)


def _user_chosen_url(plugin: Any) -> str | None:
    """The http(s) origin the plugin will post to when its host is the user's choice; None for fixed services."""
    if not any("{host}" in template for template in getattr(plugin, "templates", ())):
        return None
    host = getattr(plugin, "host", "") or ""
    if not host:
        return None  # e.g. ntfy://topic: the service's own cloud host
    port = f":{plugin.port}" if getattr(plugin, "port", None) else ""
    return f"{'https' if plugin.secure else 'http'}://{host}{port}/"


def apprise_url_check(url: str) -> None:
    """Raise DeliveryError(permanent) when apprise cannot read the URL or its user-chosen host is not public."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise DeliveryError("not a URL apprise can use", permanent=True)
    origin = _user_chosen_url(plugin)
    if origin is not None:
        try:
            check_url_allowed(origin, allow_private=allow_private_addresses())
        except AddressNotAllowed as exc:
            raise DeliveryError(f"Apprise URL refused: {exc}", permanent=True) from None


class AppriseSender:
    kind = "apprise"

    def send(self, *, message: Message, channel: NotificationChannel) -> None:
        from alerts.channels.email import email_render

        apprise_url_check(channel.secret)
        notifier = apprise.Apprise()
        notifier.add(channel.secret)
        body = str(email_render(message=message, to=message.user_email).body)
        if not notifier.notify(title=message.subject, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise DeliveryError("the Apprise service did not accept the message")

    def close(self) -> None:
        pass
