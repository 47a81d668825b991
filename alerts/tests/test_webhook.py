"""Webhook and Apprise channels against real HTTP receivers on loopback (pytest-httpserver)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from accounts.tests.factories import PreferencesFactory, UserFactory
from alerts.models import Alert, Delivery, NotificationChannel
from alerts.services import MAX_ATTEMPTS, alert_retry, alerts_deliver_due, alerts_process, channel_create
from listings.tests.factories import ListingFactory
from searches.tests.factories import SearchFactory

from .conftest import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback_webhooks")]

TOLERANCE = 300  # seconds a receiver accepts between the signed timestamp and its clock


def verify(request: Request, secret: str) -> dict:
    """What a receiver does, as docs/ALERTS.md shows it: check the signature and the timestamp."""
    fields = dict(part.split("=", 1) for part in request.headers["X-DealScout-Signature"].split(","))
    timestamp, signature = int(fields["t"]), fields["v1"]
    body = request.get_data()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("bad signature")
    if abs(time.time() - timestamp) > TOLERANCE:
        raise ValueError("stale timestamp")
    return json.loads(body)


def webhook_user(httpserver, **prefs):  # noqa: ANN001, ANN003, ANN201
    """A user whose only channel is a webhook to the test receiver."""
    user = UserFactory()
    PreferencesFactory(user=user, email_enabled=False, **prefs)
    channel, secret = channel_create(user=user, kind="webhook", url=httpserver.url_for("/hook"))
    return user, channel, secret


def test_webhook_payload_is_signed_and_names_every_search(httpserver) -> None:  # noqa: ANN001
    user, _channel, secret = webhook_user(httpserver)
    received = []

    def receiver(request: Request) -> Response:
        received.append(verify(request, secret))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    listing = ListingFactory(title="Fujifilm X100V black", price=Decimal("799.00"))
    first, second = SearchFactory(owner=user, name="Fuji"), SearchFactory(owner=user, name="Compacts")
    alerts_process(alert_ids=notify(first, listing, deal_score=Decimal("22.00"), explanation="22% below market") + notify(second, listing))

    assert len(received) == 1
    payload = received[0]
    assert payload["version"] == 1 and payload["type"] == "instant"
    [item] = payload["items"]
    assert item["event"] == "new"
    assert item["listing"]["title"] == "Fujifilm X100V black"
    assert item["listing"]["price"] == "799.00" and item["listing"]["currency"] == "USD"
    assert item["listing"]["url"] == listing.url
    assert item["deal_score"] == "22.00" and item["score_explanation"] == "22% below market"
    assert sorted(search["name"] for search in item["searches"]) == ["Compacts", "Fuji"]
    request = httpserver.log[0][0]
    assert request.headers["X-DealScout-Notification"] == str(payload["notification_id"])


def test_forged_body_fails_verification(httpserver) -> None:  # noqa: ANN001
    user, _channel, secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))
    request = httpserver.log[0][0]
    assert verify(request, secret)["items"]
    with pytest.raises(ValueError, match="bad signature"):
        verify(request, "another-secret-entirely")


def test_receiver_failing_twice_then_succeeding_gets_the_alert_exactly_once(httpserver) -> None:  # noqa: ANN001
    user, _channel, secret = webhook_user(httpserver)
    calls = []
    accepted = []

    def flaky(request: Request) -> Response:
        calls.append(request.headers["X-DealScout-Notification"])
        if len(calls) <= 2:
            return Response("busy", status=503)
        accepted.append(verify(request, secret))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(flaky)
    ids = notify(SearchFactory(owner=user), ListingFactory())
    assert alerts_process(alert_ids=ids) == {"retry": 1}
    now = timezone.now()
    for minutes in (0.5, 1.5, 4, 10, 60):  # sweeps before, at and long after each backoff
        alerts_deliver_due(now=now + timedelta(minutes=minutes))
        alerts_deliver_due(now=now + timedelta(minutes=minutes))

    assert len(calls) == 3 and len(set(calls)) == 1  # the same notification id every time
    assert len(accepted) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == (Delivery.Status.SENT, 3, "")
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SENT


def test_failure_after_the_retry_limit_is_kept_with_its_error_and_can_be_retried(
    httpserver, q_sync, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    user, _channel, _secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    ids = notify(SearchFactory(owner=user), ListingFactory())
    alerts_process(alert_ids=ids)
    now = timezone.now()
    for hour in range(1, 10):
        alerts_deliver_due(now=now + timedelta(hours=hour))

    assert len(httpserver.log) == MAX_ATTEMPTS
    alert = Alert.objects.get(pk=ids[0])
    assert alert.status == Alert.Status.FAILED
    assert "HTTP 500" in alert.error
    assert Delivery.objects.get().status == Delivery.Status.FAILED

    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    with django_capture_on_commit_callbacks(execute=True):  # the retry is queued as a task, run here in sync mode
        assert alert_retry(alert_ids=ids) == 1
    assert len(httpserver.log) == 1
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SENT


def test_410_gone_turns_the_webhook_off_without_retrying(httpserver) -> None:  # noqa: ANN001
    user, channel, _secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("gone", status=410)
    alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))
    alerts_deliver_due(now=timezone.now() + timedelta(hours=2))

    assert len(httpserver.log) == 1
    channel.refresh_from_db()
    assert not channel.enabled and channel.notice_pending
    assert "410" in channel.disabled_reason


def test_two_workers_never_send_the_same_delivery(httpserver) -> None:  # noqa: ANN001
    from alerts.services import alerts_plan, delivery_send

    user, _channel, _secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    [delivery_id] = alerts_plan(alert_ids=notify(SearchFactory(owner=user), ListingFactory())).delivery_ids
    assert delivery_send(delivery_id=delivery_id) == "sent"
    assert delivery_send(delivery_id=delivery_id) == "skipped"
    assert alerts_deliver_due()["sent"] == 0
    assert len(httpserver.log) == 1


def test_private_webhook_address_is_refused(settings) -> None:  # noqa: ANN001
    from core.errors import DomainError

    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    user = UserFactory()
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "ftp://example.com/x", "http://169.254.169.254/"):
        with pytest.raises(DomainError):
            channel_create(user=user, kind="webhook", url=url)
    assert not NotificationChannel.objects.filter(kind="webhook").exists()


def test_self_hosted_apprise_services_pass_the_address_guard(settings) -> None:  # noqa: ANN001
    from core.errors import DomainError

    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    user = UserFactory()
    for url in ("json://127.0.0.1:9/notify", "ntfy://10.0.0.1/topic", "gotify://169.254.169.254/token", "mmost://[::1]/token"):
        with pytest.raises(DomainError, match="non-public"):
            channel_create(user=user, kind="apprise", url=url)
    channel, _ = channel_create(user=user, kind="apprise", url="ntfy://my-topic")  # the service's own host
    assert channel.kind == "apprise"


def test_the_webhook_sender_ignores_proxies_from_the_environment(httpserver, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a dead proxy: going through it would fail
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    user, _channel, _secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    assert alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))["sent"] == 1
    assert len(httpserver.log) == 1


def test_apprise_url_reaches_its_receiver_and_is_never_logged(httpserver, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    user = UserFactory()
    PreferencesFactory(user=user, email_enabled=False)
    apprise_url = f"json://127.0.0.1:{httpserver.port}/notify?token=s3cr3t-apprise-token"
    channel, shown = channel_create(user=user, kind="apprise", url=apprise_url)
    assert shown == ""
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")

    alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory(title="Nintendo Switch OLED")))

    [(request, _response)] = httpserver.log
    body = request.get_json()
    assert body["title"].startswith("New match: Nintendo Switch OLED")
    assert "Nintendo Switch OLED" in body["message"]
    assert Delivery.objects.get(channel=channel).status == Delivery.Status.SENT
    assert "s3cr3t-apprise-token" not in caplog.text


def test_apprise_receiver_down_is_a_retry_and_the_error_hides_the_url(httpserver) -> None:  # noqa: ANN001
    user = UserFactory()
    PreferencesFactory(user=user, email_enabled=False)
    channel_create(user=user, kind="apprise", url=f"json://127.0.0.1:{httpserver.port}/notify?token=s3cr3t-apprise-token")
    httpserver.expect_request("/notify", method="POST").respond_with_data("no", status=500)
    alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert "did not accept" in delivery.error and "s3cr3t" not in delivery.error


def test_delivery_left_sending_by_a_dead_worker_is_sent_again_later(httpserver) -> None:  # noqa: ANN001
    from alerts.services import STALE_CLAIM, alerts_plan, deliveries_claim

    user, _channel, _secret = webhook_user(httpserver)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    plan = alerts_plan(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))
    now = timezone.now()
    assert [delivery.pk for delivery in deliveries_claim(delivery_ids=plan.delivery_ids, now=now, limit=10)] == plan.delivery_ids
    # ...and the worker dies here, before sending.
    assert alerts_deliver_due(now=now + STALE_CLAIM / 2) == {}
    assert alerts_deliver_due(now=now + STALE_CLAIM * 2) == {"sent": 1}
    assert len(httpserver.log) == 1
