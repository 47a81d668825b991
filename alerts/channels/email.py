"""E-mail: an HTML and a plain-text part, with one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from alerts.channels import DeliveryError
from alerts.messages import Message
from alerts.models import NotificationChannel


def email_render(*, message: Message, to: str) -> EmailMultiAlternatives:
    context = {"message": message, "site_url": settings.SITE_URL}
    text = render_to_string("alerts/email.txt", context)
    html = render_to_string("alerts/email.html", context)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{message.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-DealScout-Notification": str(message.notification_id),
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


class EmailSender:
    kind = "email"

    def __init__(self) -> None:
        self._connection: Any = None

    def send(self, *, message: Message, channel: NotificationChannel) -> None:
        to = channel.config.get("address") or message.user_email
        email = email_render(message=message, to=to)
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
            self._connection.open()
        email.connection = self._connection
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop_connection()
            codes = [code for code, _text in exc.recipients.values()]
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise DeliveryError(f"recipient refused (SMTP {', '.join(str(code) for code in codes)})", permanent=permanent) from None
        except smtplib.SMTPResponseException as exc:
            self._drop_connection()
            raise DeliveryError(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop_connection()
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None

    def _drop_connection(self) -> None:
        # After an error the SMTP session may be in any state: start the next send afresh.
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection may fail too
                pass
            self._connection = None


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
