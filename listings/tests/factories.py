"""Factories for the listings app's own models: marketplaces, listings, price history, scrape runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun


class MarketplaceFactory(factory.django.DjangoModelFactory):
    """A marketplace row; ``local=True`` makes it one tests scrape on loopback without waiting."""

    class Meta:
        model = Marketplace
        django_get_or_create = ["slug"]

    class Params:
        local = factory.Trait(allow_private_network=True, requests_per_minute=6000)

    slug = factory.Sequence(lambda n: f"market{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    agent = "jsonld"
    base_url = "http://127.0.0.1:9"  # the discard port: nothing is ever fetched from it


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


class PriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceObservation

    listing = factory.SubFactory(ListingFactory)
    price = factory.SelfAttribute("listing.price")  # the first observation of a listing is its price
    currency = factory.SelfAttribute("listing.currency")


class ScrapeRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScrapeRun

    marketplace = factory.SubFactory(MarketplaceFactory)
    query = "thinkpad"
    status = ScrapeRun.Status.OK
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))


def listing_with_history(*, observations: int = 2, **kwargs: Any) -> Listing:
    """A listing whose price fell by one unit per observation (100, 99, ...)."""
    listing = ListingFactory(**kwargs)
    for step in range(observations):
        PriceObservationFactory(listing=listing, price=Decimal(100 - step))
    return listing
