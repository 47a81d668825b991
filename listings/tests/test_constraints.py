"""Rules the listing data must obey hold in the database itself, not only in forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from listings.models import Listing, PriceObservation
from listings.tests.factories import ListingFactory, MarketplaceFactory

pytestmark = pytest.mark.django_db


def test_listing_is_unique_per_marketplace_and_external_id() -> None:
    shop = MarketplaceFactory()
    ListingFactory(marketplace=shop, external_id="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(marketplace=shop, external_id="A1")


def test_same_external_id_on_another_marketplace_is_another_listing() -> None:
    ListingFactory(marketplace=MarketplaceFactory(slug="one"), external_id="A1")
    ListingFactory(marketplace=MarketplaceFactory(slug="two"), external_id="A1")
    assert Listing.objects.filter(external_id="A1").count() == 2


def test_listing_price_cannot_be_negative() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(price=Decimal("-0.01"))


def test_listing_without_price_is_allowed() -> None:
    assert ListingFactory(price=None).price is None


def test_price_observation_cannot_be_negative() -> None:
    listing = ListingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceObservation.objects.create(listing=listing, price=Decimal("-1"), currency="USD")
