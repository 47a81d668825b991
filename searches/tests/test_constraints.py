"""Search and match rules hold at the database level (a bulk update cannot break them)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from listings.tests.factories import ListingFactory
from searches.models import Match, Search
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"min_price": Decimal("100"), "max_price": Decimal("99.99")}, "search_min_price_lte_max_price"),
        ({"min_price": Decimal("-1")}, "search_min_price_non_negative"),
        ({"max_price": Decimal("-1")}, "search_max_price_non_negative"),
        ({"interval_minutes": 4}, "search_interval_at_least_5_minutes"),
    ],
)
def test_search_rules_are_database_constraints(fields: dict, constraint: str) -> None:
    search = SearchFactory()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        # .update() skips model validation entirely: only the database can refuse it.
        Search.objects.filter(pk=search.pk).update(**fields)
    assert constraint in str(excinfo.value) or "CHECK" in str(excinfo.value).upper()


def test_search_boundaries_are_accepted() -> None:
    search = SearchFactory(min_price=Decimal("100"), max_price=Decimal("100"), interval_minutes=5)
    search.refresh_from_db()
    assert search.min_price == search.max_price == Decimal("100")


def test_match_is_unique_per_search_and_listing() -> None:
    search, listing = SearchFactory(), ListingFactory()
    Match.objects.create(search=search, listing=listing)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(search=search, listing=listing)
