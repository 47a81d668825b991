from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import NotificationPreferences, User
from listings.models import Listing, Marketplace
from searches.models import Search


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    timezone = "UTC"


class PreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreferences

    user = factory.SubFactory(UserFactory)


class MarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marketplace
        django_get_or_create = ["slug"]

    slug = "testmart"
    name = "Test Mart"
    agent = "jsonld"
    base_url = "https://testmart.example"


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    marketplace = factory.SubFactory(MarketplaceFactory)
    external_id = factory.Sequence(lambda n: f"L-{n}")
    url = factory.LazyAttribute(lambda o: f"https://testmart.example/item/{o.external_id}")
    title = factory.Sequence(lambda n: f"Fujifilm X100V camera #{n}")
    price = Decimal("899.00")
    currency = "USD"
    image_url = factory.LazyAttribute(lambda o: f"https://testmart.example/img/{o.external_id}.jpg")
    location = "Brooklyn, NY"
    first_seen_at = factory.LazyFunction(timezone.now)


class SearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Search

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Camera search {n}")
    query = "fujifilm x100v"
