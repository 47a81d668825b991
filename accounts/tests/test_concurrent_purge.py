"""Two workers purging at once split the work: counts add up, nothing twice, no crash."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import retention
from accounts.tests.factories import ActivityLogFactory, UserFactory
from listings.models import Listing, PriceObservation
from listings.tests.factories import MarketplaceFactory
from searches.tests.factories import MatchFactory

LISTINGS = 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_split_the_rows() -> None:
    long_ago = timezone.now() - timedelta(days=365)
    marketplace = MarketplaceFactory()
    listings = Listing.objects.bulk_create(
        Listing(marketplace=marketplace, external_id=f"x{i}", url=f"http://x/{i}", title=f"t{i}", last_seen_at=long_ago)
        for i in range(LISTINGS)
    )
    PriceObservation.objects.bulk_create(
        PriceObservation(listing=listing, price=step, currency="USD") for listing in listings for step in (1, 2)
    )
    kept = listings[0]
    MatchFactory(listing=kept, saved=True)
    ActivityLogFactory.create_batch(40, user=UserFactory(), created_at=long_ago)

    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(retention.purge_expired(batch_size=7))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == 2
    assert sum(r["listings"] for r in results) == LISTINGS - 1
    assert sum(r["listings_priceobservation"] for r in results) == 2 * (LISTINGS - 1)
    assert sum(r["activity_logs"] for r in results) == 40
    # Both did part of the work (skip-locked hands them different chunks).
    assert all(r["listings"] > 0 for r in results)
    assert list(Listing.objects.values_list("pk", flat=True)) == [kept.pk]
    assert PriceObservation.objects.filter(listing=kept).count() == 2
