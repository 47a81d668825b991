"""A retention purge running while a scout upserts the same listings deletes none the scout has seen.

Both run at once on PostgreSQL, each in its own thread with its own connection.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts import retention
from listings.agents import ListingData
from listings.models import Listing, PriceObservation
from listings.services import listing_upsert_bulk
from listings.tests.factories import MarketplaceFactory

LISTINGS = 4_000


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_purge_during_an_upsert_deletes_nothing_the_scout_has_seen() -> None:
    long_ago = timezone.now() - timedelta(days=365)
    marketplace = MarketplaceFactory()
    rows = Listing.objects.bulk_create(
        Listing(
            marketplace=marketplace,
            external_id=f"x{i}",
            url=f"http://x/{i}",
            title=f"t{i}",
            price=Decimal(10),
            currency="USD",
            last_seen_at=long_ago,
        )
        for i in range(LISTINGS)
    )
    PriceObservation.objects.bulk_create(PriceObservation(listing=row, price=Decimal(10), currency="USD") for row in rows)
    page = [ListingData(external_id=f"x{i}", url=f"http://x/{i}", title=f"t{i}", price=Decimal(9), currency="USD") for i in range(LISTINGS)]

    barrier = threading.Barrier(2)
    upserted: list = []
    errors: list[BaseException] = []

    def run(work) -> None:  # noqa: ANN001
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    seen_at = timezone.now()
    threads = [
        threading.Thread(
            target=run, args=(lambda: upserted.append(listing_upsert_bulk(marketplace=marketplace, items=page, seen_at=seen_at)),)
        ),
        threading.Thread(target=run, args=(lambda: retention.purge_expired(batch_size=100),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    result = upserted[0]
    stored = dict(Listing.objects.filter(marketplace=marketplace).values_list("external_id", "pk"))
    assert len(stored) == LISTINGS, f"{LISTINGS - len(stored)} listings of the scout's page are gone"
    # Every listing the upsert hands on (to matching) exists: no foreign key error later.
    missing = [listing.pk for listing in result.listings if listing.pk not in set(stored.values())]
    assert missing == []
    assert not Listing.objects.filter(marketplace=marketplace, last_seen_at__lt=seen_at).exists()
    # A listing the purge deleted before the scout stamped it was expired then: it comes
    # back as new (one observation, counted as created). Every other one kept its row and
    # its history (the old price and the new): none was deleted after the scout saw it.
    original = {row.pk for row in rows}
    survivors = original & set(stored.values())
    reinserted = set(stored.values()) - original
    assert reinserted == result.created_ids
    history = dict(PriceObservation.objects.filter(listing__marketplace=marketplace).values_list("listing_id").annotate(n=Count("id")))
    assert all(history[pk] == 2 for pk in survivors)
    assert all(history[pk] == 1 for pk in reinserted)
