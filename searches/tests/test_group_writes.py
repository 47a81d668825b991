"""The match step's database work grows with the groups, not with the searches in a group."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.money import current_rates
from searches.aliases import alias_table
from searches.models import Match
from searches.services import scout_group_run, scout_query_for
from searches.tests.factories import SearchFactory, UserFactory

pytestmark = pytest.mark.django_db


def _scout_queries(searches: list, marketplace) -> int:  # noqa: ANN001
    """Queries of one scout of the group, leaving out the embedded default's cache table.

    The cache's own reads (the alias table's version, checked every few seconds; rate
    limit slots) depend on the clock, not on the group's size. So do the per-process
    copies of the alias table and the exchange rates, read again from their tables when
    they are a few seconds old: both are refreshed just before the measured scout.
    """
    query = scout_query_for(searches[0], marketplace.pk, marketplace.agent)
    alias_table()
    current_rates()
    with CaptureQueriesContext(connection) as captured:
        scout_group_run(query=query, search_ids=[search.pk for search in searches])
    return sum(1 for q in captured if "dealscout_cache" not in q["sql"])


def _group(size: int, marketplace) -> list:  # noqa: ANN001
    owner = UserFactory()
    return [SearchFactory(owner=owner, query="fujifilm x100v", marketplaces=[marketplace], alert_on_new=False) for _ in range(size)]


def test_a_group_of_twenty_searches_costs_the_queries_of_a_group_of_two_once_nothing_is_new(sandbox_marketplace) -> None:
    small, large = _group(2, sandbox_marketplace), _group(20, sandbox_marketplace)
    _scout_queries(small, sandbox_marketplace)
    _scout_queries(large, sandbox_marketplace)
    assert Match.objects.filter(search__in=large).count() == 10 * Match.objects.filter(search__in=small).count() > 0
    # Seen again: the same listings, nothing new to match; only the upsert and one lookup per group.
    assert _scout_queries(large, sandbox_marketplace) == _scout_queries(small, sandbox_marketplace)


def test_new_matches_of_a_whole_group_are_written_in_one_insert(sandbox_marketplace) -> None:
    searches = _group(12, sandbox_marketplace)
    query = scout_query_for(searches[0], sandbox_marketplace.pk, sandbox_marketplace.agent)
    with CaptureQueriesContext(connection) as captured:
        result = scout_group_run(query=query, search_ids=[search.pk for search in searches])
    inserts = [q["sql"] for q in captured if q["sql"].startswith("INSERT") and 'INTO "searches_match"' in q["sql"]]
    assert len(result.new_matches) == Match.objects.count() > 12
    assert len(inserts) == 1
