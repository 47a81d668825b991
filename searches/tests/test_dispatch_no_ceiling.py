"""The dispatcher has no ceiling: it claims batch after batch, within a time budget, and hands the rest on."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker

from searches.models import Search
from searches.monitoring_hooks import searches_overdue
from searches.services import dispatch_due
from searches.tests.test_dispatch import broker, make_due_searches  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_more_due_searches_than_a_batch_are_all_claimed_in_one_tick(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(120, 12)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due(batch=25)
    assert (result.claimed, result.batches, result.handed_over) == (120, 5, False)
    assert not Search.objects.filter(next_run_at__lte=timezone.now()).exists()


def test_a_query_shared_across_batches_is_queued_once(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(120, 12)  # query i % 12: every batch of 25 holds most queries
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due(batch=25)
    assert len(result.groups) == 12
    assert sorted(len(ids) for ids in result.groups.values()) == [10] * 12
    assert broker.queue_size() == 12


def test_past_its_budget_the_dispatcher_queues_what_it_claimed_and_a_follow_up(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(60, 6)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due(batch=25, budget_seconds=0)
    assert (result.claimed, result.handed_over) == (25, True)
    assert broker.queue_size() == len(result.groups)  # the scouts, on the default queue
    dispatch_queue = get_broker(settings.DISPATCH_CLUSTER)
    assert dispatch_queue.queue_size() == 1  # the follow-up, on the dispatch cluster's own queue
    dispatch_queue.purge_queue()
    assert Search.objects.filter(next_run_at__lte=timezone.now()).count() == 35
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = dispatch_due(batch=25)
    assert (follow_up.claimed, follow_up.handed_over) == (35, False)


def test_the_backlog_gauge_counts_searches_late_by_more_than_a_tick() -> None:
    make_due_searches(5, 5)
    Search.objects.update(next_run_at=timezone.now() - timedelta(seconds=10))  # due, not yet late by a tick
    assert searches_overdue() == 0
    Search.objects.filter(pk__in=list(Search.objects.values_list("pk", flat=True)[:3])).update(
        next_run_at=timezone.now() - timedelta(minutes=3)
    )
    assert searches_overdue() == 3
    dispatch_due()
    assert searches_overdue() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_full_dispatchers_at_once_split_the_due_searches_without_overlap() -> None:
    make_due_searches(600, 60)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(slot: int) -> None:
        try:
            barrier.wait()
            results[slot] = dispatch_due(batch=20)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [{pk for ids in result.groups.values() for pk in ids} for result in results]
    assert claimed[0].isdisjoint(claimed[1])
    assert len(claimed[0] | claimed[1]) == 600
    assert results[0].claimed + results[1].claimed == 600
