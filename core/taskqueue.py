"""Queue many django-q2 tasks at once: one Redis round trip (or one INSERT) per chunk.

``django_q.tasks.async_task`` builds, signs and pushes one package per call, each push a
round trip to the broker. A dispatcher queueing ten thousand scouts spends most of its
budget waiting on those round trips. ``enqueue_many`` builds the very same package (the
keys async_task sets, signed with django_q's SignedPackage, the pre_enqueue signal sent)
and pushes a chunk of them at once: RPUSH with many values on Redis, bulk_create on the
ORM broker, one enqueue each on any other broker. In sync mode (tests, Conf.SYNC) it
falls back to async_task, which runs each task in place.
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
) -> int:
    """Queue ``func(*args)`` for each ``(args, task_name)``; return how many were queued."""
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

    def push() -> None:
        if isinstance(broker, Redis):
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
    return count
