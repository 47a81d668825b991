"""Factories for the privacy tests: a person with something in every table."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import ActivityLog, NotificationPreferences, User
from alerts.models import Alert
from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun
from searches.models import Match, Search

PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")

    @classmethod
    def _create(cls, model_class: type[User], *args: object, **kwargs: object) -> User:
        password = kwargs.pop("password", PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)


class PreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreferences

    user = factory.SubFactory(UserFactory)


class MarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marketplace
        django_get_or_create = ["slug"]

    slug = "sandbox"
    name = "Sandbox"
    agent = "jsonld"
    base_url = "http://127.0.0.1:9"


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    marketplace = factory.SubFactory(MarketplaceFactory)
    external_id = factory.Sequence(lambda n: f"item-{n}")
    url = factory.LazyAttribute(lambda o: f"http://127.0.0.1:9/item/{o.external_id}")
    title = factory.Sequence(lambda n: f"Camera lens {n}")
    price = Decimal("100.00")
    currency = "USD"


class PriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceObservation

    listing = factory.SubFactory(ListingFactory)
    price = Decimal("100.00")
    currency = "USD"


class SearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Search

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Search {n}")
    query = "camera lens"


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    search = factory.SubFactory(SearchFactory)
    listing = factory.SubFactory(ListingFactory)


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    search = factory.SubFactory(SearchFactory)
    user = factory.LazyAttribute(lambda o: o.search.owner)
    listing = factory.SubFactory(ListingFactory)
    kind = Alert.Kind.NEW
    event_key = "new"


class ActivityLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityLog

    user = factory.SubFactory(UserFactory)
    action = "search_created"
    object_type = "search"
    object_id = "1"


class ScrapeRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScrapeRun

    marketplace = factory.SubFactory(MarketplaceFactory)
    query = "camera lens"
    status = ScrapeRun.Status.OK
    started_at = factory.LazyFunction(timezone.now)


def listing_with_history(*, observations: int = 2, **kwargs: object) -> Listing:
    listing = ListingFactory(**kwargs)
    for step in range(observations):
        PriceObservationFactory(listing=listing, price=Decimal(100 - step))
    return listing
