"""The dispatcher's queueing: inside its budget, on its own cluster, nothing stranded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.scheduler import scheduler
from django_q.signing import SignedPackage

from core.taskqueue import enqueue_many
from dealscout.schedules import ensure_schedules
from searches.models import Search
from searches.services import claim_lease, dispatch_due, dispatch_watchdog
from searches.tests.test_dispatch import broker, make_due_searches  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatch_queue():
    queue = get_broker(settings.DISPATCH_CLUSTER)
    queue.purge_queue()
    yield queue
    queue.purge_queue()


def test_a_claim_whose_scouts_were_never_queued_is_due_again_after_the_lease(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(10, 5)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):  # the dispatcher dies before queueing
        assert dispatch_due(now=now).claimed == 10
    assert broker.queue_size() == 0
    assert set(Search.objects.values_list("next_run_at", flat=True)) == {now + claim_lease()}
    assert claim_lease() < timedelta(minutes=15)  # a lease, not the interval
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now + claim_lease()).claimed == 10


def test_once_queued_the_claimed_searches_wait_their_interval(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(10, 5)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)
    assert broker.queue_size() == 5
    assert set(Search.objects.values_list("next_run_at", flat=True)) == {now + timedelta(minutes=15)}
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(now=now + claim_lease() + timedelta(seconds=1)).claimed == 0


def test_a_tick_queues_at_most_its_cap_of_groups_and_hands_the_rest_on(broker, dispatch_queue, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    make_due_searches(60, 60)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_due(batch=10, max_groups=20)
    assert (result.claimed, len(result.groups), result.handed_over) == (20, 20, True)
    assert (broker.queue_size(), dispatch_queue.queue_size()) == (20, 1)


def test_bulk_queued_packages_are_what_async_task_would_queue(broker) -> None:  # noqa: F811
    from django_q.tasks import async_task

    assert (
        enqueue_many("searches.tasks.scout", [(({"text": "a"}, [1, 2]), "scout:a"), (({"text": "b"}, [3]), "scout:b")], group="scout") == 2
    )
    async_task("searches.tasks.scout", {"text": "c"}, [4], task_name="scout:c", group="scout")
    packages = []
    while (got := broker.dequeue()) and len(packages) < 3:
        packages.extend(SignedPackage.loads(payload) for _, payload in got)
    bulk, single = packages[0], packages[2]
    assert (bulk["func"], bulk["args"], bulk["name"], bulk["group"]) == (
        "searches.tasks.scout",
        ({"text": "a"}, [1, 2]),
        "scout:a",
        "scout",
    )
    assert set(bulk) == set(single)  # the same keys as django_q's own package


def test_the_dispatch_schedule_fires_only_on_the_dispatch_cluster_and_queues_there(broker, dispatch_queue, monkeypatch) -> None:  # noqa: F811
    # The scheduler closes stale connections first: that would close the test's transaction.
    monkeypatch.setattr("django_q.scheduler.close_old_django_connections", lambda: None)
    ensure_schedules()
    row = Schedule.objects.get(name="dispatch-due-searches")
    assert row.cluster == settings.DISPATCH_CLUSTER == "dealscout-dispatch"
    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
    scheduler(broker=broker)  # the default cluster's scheduler: every schedule but the dispatch
    assert dispatch_queue.queue_size() == 0
    assert broker.queue_size() == Schedule.objects.filter(cluster__isnull=True).count()
    broker.purge_queue()
    Schedule.objects.update(next_run=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(Conf, "CLUSTER_NAME", settings.DISPATCH_CLUSTER)  # as Q_CLUSTER_NAME=dealscout-dispatch sets it
    scheduler(broker=get_broker())  # a cluster of that name: get_broker() is now its own queue
    assert broker.queue_size() == 0
    assert dispatch_queue.queue_size() == 1
    (_, payload), *_ = dispatch_queue.dequeue()
    assert SignedPackage.loads(payload)["func"] == "searches.tasks.dispatch_due"


def test_with_no_dispatch_cluster_alive_the_watchdog_dispatches_on_the_default_cluster(broker, django_capture_on_commit_callbacks) -> None:  # noqa: F811
    ensure_schedules()
    make_due_searches(6, 3)
    Schedule.objects.filter(name="dispatch-due-searches").update(next_run=timezone.now() - timedelta(seconds=30))
    assert dispatch_watchdog() is None  # fired lately: the dispatch cluster is alive
    assert Search.objects.filter(next_run_at__lte=timezone.now()).count() == 6
    Schedule.objects.filter(name="dispatch-due-searches").update(next_run=timezone.now() - timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch_watchdog()
    assert result is not None and result.claimed == 6
    assert broker.queue_size() == 3


def test_a_dispatch_run_on_the_dispatch_cluster_queues_the_scouts_on_the_default_queue(
    broker,  # noqa: F811
    dispatch_queue,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    make_due_searches(8, 4)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", settings.DISPATCH_CLUSTER)  # inside a dealscout-dispatch qcluster
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(batch=4, max_groups=2)  # and a follow-up
    assert (broker.queue_size(), dispatch_queue.queue_size()) == (4, 1)
