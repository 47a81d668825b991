"""System checks for settings that are unsafe in production (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_field_encryption_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.FIELD_ENCRYPTION_KEYS:
        return []
    if not settings.DEBUG:
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEY is not set: stored secrets would be encrypted with a key derived from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEY (a Fernet key; docs/RUNBOOK.md, 'Encrypted secrets').",
                id="dealscout.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_field_encryption_key_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.FIELD_ENCRYPTION_KEYS or not settings.DEBUG:
        return []  # with DEBUG off the error above already says it
    return [
        checks.Warning(
            "FIELD_ENCRYPTION_KEY is not set: stored secrets are encrypted with a development key derived from SECRET_KEY.",
            hint="Set FIELD_ENCRYPTION_KEY before going to production.",
            id="dealscout.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_metrics_token(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.METRICS_TOKEN or settings.DEBUG:
        return []
    return [
        checks.Error(
            "METRICS_TOKEN is not set with DEBUG off: /api/v1/monitoring/metrics would be open to anyone; it answers 403 until it is set.",
            hint="Set METRICS_TOKEN (a long random string) and give Prometheus the same bearer token.",
            id="dealscout.E002",
        )
    ]
