"""Queue many django-q2 tasks at once: one Redis round trip (or one INSERT) per chunk.

``django_q.tasks.async_task`` builds, signs and pushes one package per call, each push a
round trip to the broker. A dispatcher queueing ten thousand scouts spends most of its
budget waiting on those round trips. ``enqueue_many`` builds the very same package (the
keys async_task sets, signed with django_q's SignedPackage, the pre_enqueue signal sent)
and pushes a chunk of them at once: RPUSH with many values on Redis, bulk_create on the
ORM broker, one enqueue each on any other broker. In sync mode (tests, Conf.SYNC) it
falls back to async_task, which runs each task in place.

``ahead=True`` puts the tasks at the head of the queue instead, in the order given, for
work that must not wait behind a backlog (an alert to send, a scout whose search is due
sooner than the queue's tail). Only the Redis broker has an order to rely on (workers
BLPOP its list's head): there it is LPUSH. The ORM broker dequeues in no set order,
so there ``ahead`` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

CHUNK = 1000


def enqueue_many(
    func: str,
    calls: Iterable[tuple[Sequence[Any], str]],
    *,
    group: str,
    cluster: str | None = None,
    ahead: bool = False,
) -> int:
    """Queue ``func(*args)`` for each ``(args, task_name)``; return how many were queued.

    ``ahead``: at the head of the queue (Redis), the first call first.
    """
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.brokers.redis_broker import Redis
    from django_q.conf import Conf
    from django_q.humanhash import uuid
    from django_q.models import OrmQ
    from django_q.signals import pre_enqueue
    from django_q.signing import SignedPackage
    from django_q.tasks import async_task

    if Conf.SYNC:
        count = 0
        for args, name in calls:
            async_task(func, *args, task_name=name, group=group, cluster=cluster)
            count += 1
        return count
    broker = get_broker(cluster)
    count = 0
    packs: list[str] = []
    # LPUSH of [a, b] leaves b at the head: push each chunk reversed, the last chunk first.
    # So the packages for the head are all built before the first push.
    head_chunks: list[list[str]] = []

    def push() -> None:
        if ahead and isinstance(broker, Redis):
            head_chunks.append(packs[::-1])
        elif isinstance(broker, Redis):
            broker.connection.rpush(broker.list_key, *packs)
        elif isinstance(broker, ORM):
            now = timezone.now()
            key = broker.list_key or Conf.CLUSTER_NAME
            broker.get_connection().bulk_create([OrmQ(key=key, payload=pack, lock=now) for pack in packs])
        else:
            for pack in packs:
                broker.enqueue(pack)
        packs.clear()

    for args, name in calls:
        tag = uuid()
        task: dict[str, Any] = {"id": tag[1], "name": name, "func": func, "args": tuple(args), "group": group}
        if cluster:
            task["cluster"] = cluster
        if Conf.CACHED:
            task["cached"] = Conf.CACHED
        if Conf.ACK_FAILURES:
            task["ack_failure"] = Conf.ACK_FAILURES
        task["kwargs"] = {}
        task["started"] = timezone.now()
        pre_enqueue.send(sender="django_q", task=task)
        packs.append(SignedPackage.dumps(task))
        count += 1
        if len(packs) >= CHUNK:
            push()
    if packs:
        push()
    for chunk in reversed(head_chunks):
        broker.connection.lpush(broker.list_key, *chunk)
    return count


def can_queue_ahead(cluster: str | None = None) -> bool:
    """Whether ``enqueue_many(..., ahead=True)`` really puts tasks first on that cluster's broker."""
    from django_q.brokers import get_broker
    from django_q.brokers.redis_broker import Redis
    from django_q.conf import Conf

    return not Conf.SYNC and isinstance(get_broker(cluster), Redis)


def queue_size(cluster: str | None = None) -> int | None:
    """Tasks waiting in that cluster's queue (None when the broker cannot tell or is unreachable)."""
    from django_q.brokers import get_broker

    try:
        size = get_broker(cluster).queue_size()
    except Exception:  # noqa: BLE001 - a broker that cannot answer is treated as "unknown"
        return None
    return int(size) if size is not None else None
