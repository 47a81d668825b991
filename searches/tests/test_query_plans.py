"""The hot queries of the dispatcher, the scout and the purge use indexes on a big table.

On PostgreSQL with tens of thousands of rows (and fresh statistics), where a missing
index would show as a sequential scan. Each test runs the real code, captures its SQL and
asks PostgreSQL for the plan.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import Listing, ScrapeRun
from listings.services import listing_upsert_bulk
from listings.tests.factories import MarketplaceFactory
from searches.models import Match, Search
from searches.services import searches_claim_due
from searches.tests.factories import UserFactory

# slow: tens of thousands of rows per test (they still run in CI, on PostgreSQL).
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db]

ROWS = 20_000


def _plans(captured: CaptureQueriesContext, table: str) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.startswith("SELECT") and f'"{table}"' in sql:
                cursor.execute("EXPLAIN " + sql)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans, f"no SELECT on {table} was captured"
    return plans


def _assert_indexed(plans: list[str], table: str) -> None:
    for plan in plans:
        assert f"Seq Scan on {table}" not in plan, plan


def _analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("searches_search", "listings_listing", "searches_match", "listings_scraperun"):
            cursor.execute(f"ANALYZE {table}")


def _searches(count: int, *, due: int) -> None:
    owner = UserFactory()
    later, past = timezone.now() + timedelta(minutes=10), timezone.now() - timedelta(minutes=1)
    Search.objects.bulk_create(
        [Search(owner=owner, name=f"s{n}", query=f"q{n % 500}", next_run_at=past if n < due else later) for n in range(count)],
        batch_size=5000,
    )


def _listings(marketplace, count: int, *, seen) -> list[Listing]:  # noqa: ANN001
    return Listing.objects.bulk_create(
        [
            Listing(marketplace=marketplace, external_id=f"x{n}", url=f"https://m.example/{n}", title=f"thing {n}",
                    price=Decimal(10), currency="USD", first_seen_at=seen, last_seen_at=seen)
            for n in range(count)
        ],
        batch_size=5000,
    )  # fmt: skip


def test_the_dispatchers_claim_reads_the_due_index_not_the_table() -> None:
    _searches(ROWS, due=50)
    _analyze()
    with CaptureQueriesContext(connection) as captured:
        assert len(searches_claim_due(now=timezone.now())) == 50
    plans = _plans(captured, "searches_search")
    _assert_indexed(plans, "searches_search")
    assert any("search_due_idx" in plan for plan in plans), plans


def test_the_scouts_listing_lookup_and_match_lookup_use_their_indexes() -> None:
    market = MarketplaceFactory()
    now = timezone.now()
    listings = _listings(market, ROWS, seen=now)
    _searches(1000, due=0)
    searches = list(Search.objects.all()[:1000])
    Match.objects.bulk_create([Match(search=searches[n % 1000], listing=listings[n]) for n in range(ROWS)], batch_size=5000)
    _analyze()
    from listings.agents.base import ListingData

    items = [
        ListingData(external_id=f"x{n}", url=f"https://m.example/{n}", title=f"thing {n}", price=Decimal(9), currency="USD")
        for n in range(20)
    ]
    with CaptureQueriesContext(connection) as captured:
        listing_upsert_bulk(marketplace=market, items=items, seen_at=now)
    _assert_indexed(_plans(captured, "listings_listing"), "listings_listing")
    group = [s.pk for s in searches[:10]]
    with CaptureQueriesContext(connection) as captured:
        list(Match.objects.filter(search_id__in=group, listing_id__in=[listing.pk for listing in listings[:20]]))
    _assert_indexed(_plans(captured, "searches_match"), "searches_match")


def test_the_purges_expired_listing_and_scrape_run_chunks_use_indexes() -> None:
    from accounts.retention import PurgeContext, delete_in_batches
    from listings.privacy import expired_listings

    market = MarketplaceFactory()
    now = timezone.now()
    _listings(market, ROWS, seen=now)
    old = now - timedelta(days=400)
    Listing.objects.filter(pk__in=list(Listing.objects.order_by("pk").values_list("pk", flat=True)[:30])).update(last_seen_at=old)
    ScrapeRun.objects.bulk_create(
        [ScrapeRun(marketplace=market, query="q", status="ok", started_at=old if n < 30 else now) for n in range(ROWS)], batch_size=5000
    )
    _analyze()
    context = PurgeContext(now=now)
    with CaptureQueriesContext(connection) as captured:
        delete_in_batches(expired_listings(now=now), kind="listings", context=context)
    _assert_indexed(_plans(captured, "listings_listing"), "listings_listing")
    with CaptureQueriesContext(connection) as captured:
        delete_in_batches(ScrapeRun.objects.filter(started_at__lt=now - timedelta(days=14)), kind="scrape_runs", context=context)
    _assert_indexed(_plans(captured, "listings_scraperun"), "listings_scraperun")
    assert Listing.objects.count() == ROWS - 30 and ScrapeRun.objects.count() == ROWS - 30
