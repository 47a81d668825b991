"""Factories for the API and admin tests: users, marketplaces, listings, searches, matches, alerts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import NotificationPreferences, User
from alerts.models import Alert
from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun
from searches.models import Match, Search

PASSWORD = "a-long-and-unusual-passphrase-17"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def preferences(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()
            NotificationPreferences.objects.get_or_create(user=obj)


class MarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marketplace
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"market{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    agent = "jsonld"
    base_url = "http://127.0.0.1:9/"


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    marketplace = factory.SubFactory(MarketplaceFactory)
    external_id = factory.Sequence(lambda n: f"item-{n}")
    url = factory.LazyAttribute(lambda o: f"https://market.example/items/{o.external_id}")
    title = factory.Sequence(lambda n: f"ThinkPad X1 Carbon #{n}")
    price = Decimal("400.00")
    currency = "USD"
    condition = "used"


class SearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Search
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Search {n}")
    query = "thinkpad"

    @factory.post_generation
    def marketplaces(obj: Search, create: bool, extracted: list[Marketplace] | None, **kwargs: object) -> None:  # noqa: N805
        if create and extracted:
            obj.marketplaces.set(extracted)


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    search = factory.SubFactory(SearchFactory)
    listing = factory.SubFactory(ListingFactory)
    deal_score = Decimal("10.00")
    score_explanation = "10.0% below the median of 5 comparable listings"


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    search = factory.SubFactory(SearchFactory)
    user = factory.LazyAttribute(lambda o: o.search.owner)
    listing = factory.SubFactory(ListingFactory)
    kind = Alert.Kind.NEW
    event_key = factory.Sequence(lambda n: f"new-{n}")
    price = Decimal("400.00")
    currency = "USD"


class PriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceObservation

    listing = factory.SubFactory(ListingFactory)
    price = Decimal("400.00")
    currency = "USD"


class ScrapeRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScrapeRun

    marketplace = factory.SubFactory(MarketplaceFactory)
    query = "thinkpad"
    status = ScrapeRun.Status.OK
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
