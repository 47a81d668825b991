"""The dispatcher: claims due searches once, and queues one scout per distinct query."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker

from accounts.tests.factories import UserFactory
from listings.tests.factories import MarketplaceFactory
from searches.models import Search
from searches.services import dispatch_due, searches_claim_due


@pytest.fixture
def broker():
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def make_due_searches(count: int, distinct_queries: int) -> None:
    shop = MarketplaceFactory(slug="sandbox")
    owners = [UserFactory() for _ in range(10)]
    past = timezone.now() - timedelta(minutes=1)
    Search.objects.bulk_create(
        [Search(owner=owners[i % 10], name=f"s{i}", query=f"Camera Model{i % distinct_queries}", next_run_at=past) for i in range(count)]
    )
    through = Search.marketplaces.through
    through.objects.bulk_create([through(search_id=pk, marketplace_id=shop.pk) for pk in Search.objects.values_list("pk", flat=True)])


@pytest.mark.django_db
def test_thousand_due_searches_over_hundred_queries_queue_exactly_hundred_scouts(broker, django_capture_on_commit_callbacks) -> None:
    make_due_searches(1000, 100)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due()
    assert result.claimed == 1000
    assert len(result.groups) == 100
    assert sorted(len(ids) for ids in result.groups.values()) == [10] * 100
    assert broker.queue_size() == 100


@pytest.mark.django_db
def test_claimed_searches_are_not_due_again_until_their_interval_passes(broker, django_capture_on_commit_callbacks) -> None:
    make_due_searches(20, 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due().claimed == 20
        assert dispatch_due().claimed == 0
    later = timezone.now() + timedelta(minutes=16)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=later).claimed == 20


@pytest.mark.django_db
def test_paused_searches_searches_of_inactive_users_and_disabled_marketplaces_are_not_scouted(broker) -> None:
    make_due_searches(3, 3)
    first, second, third = Search.objects.order_by("pk")
    Search.objects.filter(pk=first.pk).update(is_active=False)
    second.owner.is_active = False
    second.owner.save()
    result = dispatch_due()
    assert result.claimed == 1
    third.marketplaces.update(enabled=False)
    Search.objects.filter(pk=third.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
    assert dispatch_due().groups == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_claim_the_same_search() -> None:
    make_due_searches(400, 40)
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def dispatcher(slot: int) -> None:
        try:
            barrier.wait()
            while batch := searches_claim_due(now=timezone.now(), limit=25):
                claimed[slot].extend(search.pk for search in batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(claimed[0]).isdisjoint(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == 400
    assert claimed[0] and claimed[1], "both dispatchers should have taken part"
