from __future__ import annotations

from decimal import Decimal

import factory

from listings.models import Listing, Marketplace


class MarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marketplace
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"shop{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    agent = "jsonld"
    base_url = "http://127.0.0.1:9/"
    allow_private_network = True


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    marketplace = factory.SubFactory(MarketplaceFactory)
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    url = factory.LazyAttribute(lambda o: f"https://example.com/item/{o.external_id}")
    title = "Fujifilm X100V"
    price = Decimal("899.00")
    currency = "USD"
