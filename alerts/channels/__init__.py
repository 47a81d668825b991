"""Where alerts go. One module per kind of channel, all with the same small interface.

A sender is made once per batch of deliveries (so an SMTP connection or an HTTP
session is reused) and closed after it. ``send`` returns on success and raises
``DeliveryError`` otherwise; ``permanent=True`` means trying again cannot help (the
address does not exist, the receiver said 410 Gone) and the channel is turned off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from alerts.messages import Message
    from alerts.models import NotificationChannel


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    kind: str

    def send(self, *, message: Message, channel: NotificationChannel) -> None: ...

    def close(self) -> None: ...


def sender_for(kind: str) -> Sender:
    from alerts.channels.apprise import AppriseSender
    from alerts.channels.email import EmailSender
    from alerts.channels.webhook import WebhookSender

    senders: dict[str, type[Sender]] = {"email": EmailSender, "webhook": WebhookSender, "apprise": AppriseSender}
    try:
        return senders[kind]()
    except KeyError:
        raise DeliveryError(f"unknown channel kind {kind!r}", permanent=True) from None
