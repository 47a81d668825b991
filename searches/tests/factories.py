"""Factories for the searches app's own models: saved searches and their matches."""

from __future__ import annotations

from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from listings.models import Marketplace
from listings.tests.factories import ListingFactory
from searches.models import Match, Search


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
