from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DealScoutConfig(AppConfig):
    name = "dealscout"
    verbose_name = "Deal Scout"

    def ready(self) -> None:
        from dealscout.schedules import ensure_schedules_after_migrate

        # Schedules live in code and are (re)created after every migrate, never by hand.
        post_migrate.connect(ensure_schedules_after_migrate, dispatch_uid="dealscout_schedules")
