"""Earliest deadline first: short-interval scouts, alerts and "Run now" overtake a round's backlog."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.signing import SignedPackage

from core import taskqueue
from listings.tests.factories import MarketplaceFactory
from searches.models import Search
from searches.queue_order import next_tail_deadline, split_by_deadline
from searches.services import QUEUE_TAIL_DEADLINE_KEY, dispatch_due, search_run_now
from searches.tests.factories import SearchFactory, UserFactory

# --- the pure ordering ---------------------------------------------------------------


def test_with_no_tail_everything_goes_behind_earliest_deadline_first() -> None:
    assert split_by_deadline({"a": 30.0, "b": 10.0, "c": 20.0}, None) == ([], ["b", "c", "a"])


def test_deadlines_before_the_tails_go_ahead_the_rest_behind_each_in_deadline_order() -> None:
    ahead, behind = split_by_deadline({"late": 900.0, "soon": 300.0, "sooner": 240.0, "tie": 600.0}, 600.0)
    assert ahead == ["sooner", "soon"]
    assert behind == ["tie", "late"]  # a tie waits its turn: nothing is overtaken for nothing


def test_the_tail_deadline_only_moves_later() -> None:
    assert next_tail_deadline(None, []) is None
    assert next_tail_deadline(None, [5.0, 9.0]) == 9.0
    assert next_tail_deadline(12.0, [5.0, 9.0]) == 12.0
    assert next_tail_deadline(12.0, []) == 12.0


# --- on the real broker ---------------------------------------------------------------


def drained(broker) -> list[dict]:
    tasks = []
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            tasks.append(SignedPackage.loads(payload))
            broker.acknowledge(ack_id)
    return tasks


@pytest.fixture
def broker(db):
    from django_q.brokers import get_broker

    queue = get_broker()
    queue.purge_queue()
    yield queue
    queue.purge_queue()


@pytest.fixture
def no_tail(db):
    from django.core.cache import cache

    cache.delete(QUEUE_TAIL_DEADLINE_KEY)
    yield
    cache.delete(QUEUE_TAIL_DEADLINE_KEY)


@pytest.mark.redis
def test_tasks_queued_ahead_come_out_first_in_the_order_given_across_chunks(broker, monkeypatch) -> None:
    monkeypatch.setattr(taskqueue, "CHUNK", 2)  # several LPUSH round trips
    taskqueue.enqueue_many("searches.tasks.scout", [((n,), f"behind-{n}") for n in range(3)], group="scout")
    taskqueue.enqueue_many("searches.tasks.scout", [((n,), f"ahead-{n}") for n in range(5)], group="scout", ahead=True)
    names = [task["name"] for task in drained(broker)]
    assert names == ["ahead-0", "ahead-1", "ahead-2", "ahead-3", "ahead-4", "behind-0", "behind-1", "behind-2"]


def test_the_orm_broker_cannot_queue_ahead(db, settings) -> None:
    if settings.Q_CLUSTER.get("orm"):
        assert taskqueue.can_queue_ahead() is False
    else:
        assert taskqueue.can_queue_ahead() is True


@pytest.fixture
def market(db):
    return MarketplaceFactory(slug="edf")


def make_searches(market, count: int, *, interval: int, prefix: str, due) -> list[int]:
    owner = UserFactory()
    created = Search.objects.bulk_create(
        [
            Search(owner=owner, name=f"{prefix}{i}", query=f"{prefix} model{i}", next_run_at=due, interval_minutes=interval)
            for i in range(count)
        ]
    )
    through = Search.marketplaces.through
    through.objects.bulk_create([through(search_id=s.pk, marketplace_id=market.pk) for s in created])
    return [s.pk for s in created]


@pytest.mark.redis
def test_a_five_minute_search_overtakes_the_round_queued_before_it(broker, no_tail, market, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    make_searches(market, 6, interval=15, prefix="round", due=now)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)  # the round: six 15-minute scouts wait in the queue
    later = now + timedelta(minutes=1)
    make_searches(market, 2, interval=5, prefix="probe", due=later)
    make_searches(market, 1, interval=15, prefix="next", due=later)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=later)
    queries = [task["args"][0]["text"] for task in drained(broker)]
    # The 5-minute scouts (due again at later+5 min, before the round's now+15 min) go first;
    # the new 15-minute one (later+15 min, after the round's tail) waits behind the round.
    assert sorted(queries[:2]) == ["probe model0", "probe model1"]
    assert sorted(queries[2:8]) == [f"round model{i}" for i in range(6)]
    assert queries[8:] == ["next model0"]


@pytest.mark.redis
def test_with_an_empty_queue_a_tick_queues_earliest_deadline_first(broker, no_tail, market, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    make_searches(market, 3, interval=60, prefix="hourly", due=now)
    make_searches(market, 3, interval=5, prefix="quick", due=now)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)
    queries = [task["args"][0]["text"] for task in drained(broker)]
    assert [q.split()[0] for q in queries] == ["quick"] * 3 + ["hourly"] * 3


@pytest.mark.redis
def test_run_now_goes_to_the_head_of_a_backlog(broker, no_tail, market, django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    make_searches(market, 4, interval=15, prefix="round", due=now)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)
    search = SearchFactory(query="fuji x100v", marketplaces=[market])
    with django_capture_on_commit_callbacks(execute=True):
        search_run_now(search=search)
    tasks = drained(broker)
    assert tasks[0]["name"].startswith("scout-now:") and tasks[0]["args"][1] == [search.pk]
    assert len(tasks) == 5


@pytest.mark.redis
def test_alert_processing_goes_to_the_head_of_a_backlog(broker, no_tail, market, django_capture_on_commit_callbacks) -> None:
    from alerts.services.creating import _queue_processing

    now = timezone.now()
    make_searches(market, 4, interval=15, prefix="round", due=now)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)
    _queue_processing([[11, 12], [13]])
    tasks = drained(broker)
    assert [(t["func"], t["args"]) for t in tasks[:2]] == [
        ("alerts.tasks.process_alerts", ([11, 12],)),
        ("alerts.tasks.process_alerts", ([13],)),
    ]
    assert {t["func"] for t in tasks[2:]} == {"searches.tasks.scout"}


@pytest.fixture
def dead_cache_live_broker(settings, monkeypatch):
    """The cache on a port nobody listens on; django-q2's Redis broker on the real Redis."""
    from django_q.conf import Conf

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    live = settings.CACHES["default"]
    settings.CACHES = {
        "local": settings.CACHES["local"],
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
        "broker": live,
    }
    monkeypatch.setattr(Conf, "DJANGO_REDIS", "broker")


@pytest.mark.redis
def test_with_the_cache_down_every_scout_is_queued_first_in_first_out(
    broker, market, dead_cache_live_broker, django_capture_on_commit_callbacks, caplog
) -> None:
    from django_q.brokers import get_broker

    now = timezone.now()
    make_searches(market, 3, interval=15, prefix="round", due=now)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=now)
    later = now + timedelta(minutes=1)
    make_searches(market, 1, interval=5, prefix="probe", due=later)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_due(now=later)
    queries = [task["args"][0]["text"] for task in drained(get_broker())]
    assert len(queries) == 4 and queries[-1] == "probe model0"  # nothing lost, nothing overtaken
    assert "dispatch_cache_unavailable" in caplog.text
