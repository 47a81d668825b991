"""Operator console for alerts: retry failed ones through alerts.services.alert_retry."""

from __future__ import annotations

import pytest

from alerts.models import Alert
from alerts.tests.factories import AlertFactory
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


def test_retry_failed_alerts_resets_them_and_queues_delivery(staff_client, alice, market, task_queue, django_capture_on_commit_callbacks):
    search = SearchFactory(owner=alice, marketplaces=[market])
    failed = AlertFactory(search=search, status=Alert.Status.FAILED, attempts=5, error="SMTP 554")
    sent = AlertFactory(search=search, status=Alert.Status.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/alerts/alert/", {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]}, follow=True
        )
    text = response.content.decode()
    assert "1 alert(s) queued for delivery again." in text
    assert "1 selected alert(s) had not failed" in text
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Alert.Status.PENDING, 0)
    assert sent.status == Alert.Status.SENT
    assert [(t["func"], t["args"]) for t in task_queue.drain()] == [("alerts.tasks.process_alerts", ([failed.pk],))]
