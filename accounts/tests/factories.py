"""Factories for the accounts app's own models: people, their preferences, their activity."""

from __future__ import annotations

from typing import Any

import factory

from accounts.models import ActivityLog, NotificationPreferences, User

PASSWORD = "a-long-and-unusual-passphrase-17"  # noqa: S105 - the test accounts' password


class UserFactory(factory.django.DjangoModelFactory):
    """A person as registration leaves them: password set, notification preferences made."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)

    @factory.post_generation
    def preferences(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            NotificationPreferences.objects.get_or_create(user=obj)


class PreferencesFactory(factory.django.DjangoModelFactory):
    """A person's notification preferences, set to the given values (the row exists already)."""

    class Meta:
        model = NotificationPreferences

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class: type[NotificationPreferences], *args: Any, **kwargs: Any) -> NotificationPreferences:
        user = kwargs.pop("user")
        preferences, _ = model_class.objects.update_or_create(user=user, defaults=kwargs)
        return preferences


class ActivityLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityLog

    user = factory.SubFactory(UserFactory)
    action = "search_created"
    object_type = "search"
    object_id = "1"
