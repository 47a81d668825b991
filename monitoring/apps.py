from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self) -> None:
        from django.conf import settings

        from monitoring import task_signals

        task_signals.connect()
        if settings.SENTRY_DSN:
            from monitoring.sentry import install_task_failure_reporter

            install_task_failure_reporter()
