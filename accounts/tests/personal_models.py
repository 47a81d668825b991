"""Which models hold personal data: the user model and every model that points at it."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models


def personal_data_models() -> list[type[models.Model]]:
    """The user model, and every model with a foreign key (or one-to-one) to a model in
    this set: Search points at User, so Search's matches are personal too.

    Computed from ``apps.get_models()``, so a model added later is included without
    anyone remembering to list it.
    """
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found: set[type[models.Model]] = {user_model}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found or model._meta.proxy:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.many_to_one | field.one_to_one and field.related_model in found:
                    found.add(model)
                    changed = True
                    break
    return sorted(found, key=lambda model: model._meta.label)
