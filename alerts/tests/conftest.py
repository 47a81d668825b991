"""Real peers on loopback for the alert tests: an SMTP server (aiosmtpd) and helpers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerts.services import AlertEvent, alerts_notify


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpRecorder:
    """Keeps what the SMTP server received; can refuse recipients with a 5xx like a real MTA."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpRecorder]:  # noqa: ANN001
    """An SMTP server on a free loopback port, with Django's SMTP backend pointed at it."""
    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


@pytest.fixture
def allow_loopback_webhooks(settings) -> None:  # noqa: ANN001
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True


def notify(search: Any, listing: Any, *, kind: str = "new", deal_score: Any = None, explanation: str = "") -> list[int]:
    """Hand alerts one event, the way searches does."""
    event = AlertEvent(search.owner_id, search.pk, listing.pk, kind, listing.price, listing.currency, deal_score, explanation)
    return alerts_notify(events=[event])


@pytest.fixture
def q_sync(monkeypatch) -> None:  # noqa: ANN001
    """django-q2 runs queued tasks at once, in this process (its ``sync`` mode)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
