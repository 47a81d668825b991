from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DealScoutConfig(AppConfig):
    name = "dealscout"
    verbose_name = "Deal Scout"

    def ready(self) -> None:
        from dealscout import checks  # noqa: F401 - registers the system checks
        from dealscout.schedules import ensure_schedules_after_migrate

        # Schedules live in code and are (re)created after every migrate, never by hand.
        post_migrate.connect(ensure_schedules_after_migrate, dispatch_uid="dealscout_schedules")
        # The embedded default's database cache (API throttles, failed-login counts) needs
        # its table wherever `migrate` runs, the test database included.
        post_migrate.connect(create_cache_table_after_migrate, dispatch_uid="dealscout_cache_table")
        from dealscout import cache_signals  # noqa: F401 - connects the cache invalidation receivers


def create_cache_table_after_migrate(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.core.management import call_command

    # post_migrate fires once per app with models (this one has none): act once, on ours.
    if sender.label == "accounts":
        call_command("createcachetable", database=using, verbosity=0)
