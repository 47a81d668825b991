from __future__ import annotations

import factory

from accounts.tests.factories import UserFactory
from searches.models import Search


class SearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Search
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"search {n}")
    query = "fujifilm x100v"
    currency = "USD"

    @factory.post_generation
    def marketplaces(obj, create, extracted, **kwargs):  # noqa: ANN001, N805
        if create and extracted:
            obj.marketplaces.set(extracted)
