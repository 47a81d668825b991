"""Two workers at once: every alert is planned once and every message is sent once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from alerts import tasks
from alerts.models import Alert, Delivery
from alerts.services import SWEEP_GRACE, alerts_deliver_due
from listings.tests.factories import ListingFactory
from searches.tests.factories import SearchFactory

from .conftest import notify


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_together_send_each_message_once(smtp_server) -> None:  # noqa: ANN001
    for _ in range(40):
        notify(SearchFactory(), ListingFactory())
    barrier = threading.Barrier(2)
    later = time_machine.travel(timezone.now() + SWEEP_GRACE, tick=True)  # past the grace new alerts get
    errors = []

    def worker() -> None:
        try:
            barrier.wait()
            tasks.deliver_due()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    with later:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    seen = Counter(message["X-DealScout-Notification"] for message in smtp_server.messages)
    assert len(seen) == 40 and set(seen.values()) == {1}
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 40
    assert not Alert.objects.exclude(status=Alert.Status.SENT).exists()


@pytest.mark.django_db
def test_the_queued_task_plans_and_sends_new_alerts(smtp_server, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=False) as queued:
        ids = notify(SearchFactory(), ListingFactory())
    assert len(queued) == 1
    assert tasks.process_alerts(ids) == {"sent": 1}
    assert tasks.process_alerts(ids) == {}  # a task run twice sends nothing twice
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_broken_task_broker_loses_no_alert(smtp_server, django_capture_on_commit_callbacks, monkeypatch) -> None:  # noqa: ANN001
    import django_q.tasks

    def broker_down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the network edge: Redis refusing connections
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(django_q.tasks, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify(SearchFactory(), ListingFactory())
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.PENDING
    alerts_deliver_due()  # a new alert is left to its task for a minute
    assert len(smtp_server.messages) == 0
    alerts_deliver_due(now=timezone.now() + SWEEP_GRACE)  # then the sweep takes it
    assert len(smtp_server.messages) == 1
