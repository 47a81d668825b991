from django.apps import AppConfig


class SearchesConfig(AppConfig):
    name = "searches"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from searches.aliases import aliases_changed
        from searches.models import Alias

        # Cache invalidation only (no business rule): any change to an alias, from the
        # admin, a migration or a shell, makes every process rebuild its alias table.
        def _changed(**kwargs: object) -> None:
            aliases_changed()

        post_save.connect(_changed, sender=Alias, dispatch_uid="searches_alias_saved")
        post_delete.connect(_changed, sender=Alias, dispatch_uid="searches_alias_deleted")
