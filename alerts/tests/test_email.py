"""E-mail alerts received by a real SMTP server on loopback."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from alerts.models import Alert, Delivery, NotificationChannel
from alerts.services import alerts_deliver_due, alerts_process
from listings.tests.factories import ListingFactory, MarketplaceFactory
from searches.models import Search
from searches.tests.factories import SearchFactory

from .conftest import notify

pytestmark = pytest.mark.django_db


def _parts(message):  # noqa: ANN001, ANN202
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_new_listing_email_has_both_parts_headers_and_links(smtp_server, settings) -> None:  # noqa: ANN001
    settings.SITE_URL = "https://scout.example"
    user = UserFactory(email="alice@example.test")
    search = SearchFactory(owner=user, name="X100V under 1000")
    listing = ListingFactory(
        title="Fujifilm X100V silver",
        price=Decimal("849.00"),
        marketplace=MarketplaceFactory(slug="testmart", name="Test Mart"),
        image_url="https://testmart.example/img/91.jpg",
    )

    ids = notify(search, listing, deal_score=Decimal("18.50"), explanation="18.5% below the market value of 1042.00 USD")
    outcome = alerts_process(alert_ids=ids)

    assert outcome["sent"] == 1
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes[0].rcpt_tos == ["alice@example.test"]
    assert message["Subject"] == "New match: Fujifilm X100V silver - 849.00 USD"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(https://scout\.example/alerts/unsubscribe/[^>]+/)>", message["List-Unsubscribe"].strip())
    assert unsubscribe, message["List-Unsubscribe"]
    text, html = _parts(message)
    for body in (text, html):
        assert "Fujifilm X100V silver" in body
        assert "849.00 USD" in body
        assert "18.50" in body and "18.5% below the market value" in body
        assert "Test Mart" in body
        assert listing.url in body
        assert f"https://scout.example/searches/{search.pk}/" in body
        assert f"https://scout.example/listings/{listing.pk}/" in body
        assert "X100V under 1000" in body
    assert f'<img src="{listing.image_url}"' in html
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SENT


def test_one_click_unsubscribe_from_the_received_email_pauses_the_search(smtp_server, client, settings) -> None:  # noqa: ANN001
    settings.SITE_URL = "http://testserver"
    search = SearchFactory()
    alerts_process(alert_ids=notify(search, ListingFactory()))
    url = re.fullmatch(r"<(.+)>", smtp_server.messages[0]["List-Unsubscribe"].strip()).group(1)
    path = url.removeprefix("http://testserver")

    # A link scanner's GET must not pause anything; the one-click POST (RFC 8058) does, without a login.
    assert client.get(path).status_code == 200
    assert Search.objects.get(pk=search.pk).alert_frequency == ""
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Search.objects.get(pk=search.pk).alert_frequency == "off"

    later = notify(search, ListingFactory())
    alerts_process(alert_ids=later)
    assert len(smtp_server.messages) == 1
    alert = Alert.objects.get(pk=later[0])
    assert alert.status == Alert.Status.SKIPPED
    assert "paused" in alert.error


def test_tampered_unsubscribe_token_is_refused_and_pauses_nothing(smtp_server, client, settings) -> None:  # noqa: ANN001
    settings.SITE_URL = "http://testserver"
    search = SearchFactory()
    alerts_process(alert_ids=notify(search, ListingFactory()))
    path = re.fullmatch(r"<(.+)>", smtp_server.messages[0]["List-Unsubscribe"].strip()).group(1).removeprefix("http://testserver")
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = path.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))

    assert client.post(forged).status_code == 400
    assert Search.objects.get(pk=search.pk).alert_frequency == ""


def test_listing_matched_by_two_searches_is_one_email_naming_both(smtp_server) -> None:  # noqa: ANN001
    user = UserFactory()
    first = SearchFactory(owner=user, name="Fuji cameras")
    second = SearchFactory(owner=user, name="Cheap compacts")
    third = SearchFactory(owner=user, name="Anything silver")
    listing = ListingFactory()

    ids = notify(first, listing) + notify(second, listing)
    alerts_process(alert_ids=ids)
    # A third search finds the same listing in a later run: the user has already been told.
    alerts_process(alert_ids=notify(third, listing))

    assert len(smtp_server.messages) == 1
    text, _html = _parts(smtp_server.messages[0])
    assert "Fuji cameras" in text and "Cheap compacts" in text
    assert Alert.objects.filter(user=user, status=Alert.Status.SENT).count() == 3


def test_refused_address_turns_email_off_and_the_webhook_tells_the_user(smtp_server, httpserver, allow_loopback_webhooks) -> None:  # noqa: ANN001
    from alerts.services import channel_create

    user = UserFactory(email="gone@example.test")
    smtp_server.refuse.add("gone@example.test")
    channel_create(user=user, kind="webhook", url=httpserver.url_for("/hook"), label="my hook")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    search = SearchFactory(owner=user)

    alerts_process(alert_ids=notify(search, ListingFactory()))

    email_channel = NotificationChannel.objects.get(user=user, kind="email")
    assert not email_channel.enabled
    assert "550" in email_channel.disabled_reason
    assert Delivery.objects.get(channel=email_channel).status == Delivery.Status.FAILED
    # That first webhook was sent at the same time; the next message carries the notice.
    alerts_process(alert_ids=notify(search, ListingFactory()))
    payloads = [request.get_json() for request, _response in httpserver.log]
    assert payloads[0]["notices"] == []
    assert len(payloads[1]["notices"]) == 1 and "e-mail channel" in payloads[1]["notices"][0]
    email_channel.refresh_from_db()
    assert not email_channel.notice_pending
    # Told once: a third message has no notice, and no e-mail attempt is made.
    alerts_process(alert_ids=notify(search, ListingFactory()))
    assert [request.get_json()["notices"] for request, _ in httpserver.log][2] == []
    assert Delivery.objects.filter(channel=email_channel).count() == 1


def test_smtp_server_down_is_retried_with_its_error_then_sent(settings) -> None:  # noqa: ANN001
    from datetime import timedelta

    from aiosmtpd.controller import Controller
    from django.utils import timezone

    from .conftest import SmtpRecorder, free_port

    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    ids = notify(SearchFactory(), ListingFactory())

    assert alerts_process(alert_ids=ids)["retry"] == 1
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.error
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SENDING

    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert alerts_deliver_due()["sent"] == 0  # not due yet: backoff
        assert alerts_deliver_due(now=timezone.now() + timedelta(minutes=2))["sent"] == 1
    finally:
        controller.stop()
    assert len(recorder.messages) == 1
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SENT


def test_metrics_count_created_sent_and_the_delay(smtp_server) -> None:  # noqa: ANN001
    from datetime import timedelta

    from django.utils import timezone

    from monitoring import metrics

    def sample(name: str, labels: dict) -> float:
        for family in (
            metrics.alerts_created_total.collect() + metrics.alerts_sent_total.collect() + metrics.alert_delivery_delay_seconds.collect()
        ):
            for metric in family.samples:
                if metric.name == name and metric.labels == labels:
                    return metric.value
        return 0.0

    created = sample("alerts_created_total", {"channel": "email", "kind": "new"})
    sent = sample("alerts_sent_total", {"channel": "email", "status": "sent"})
    delays = sample("alert_delivery_delay_seconds_count", {"channel": "email"})
    slow = sample("alert_delivery_delay_seconds_bucket", {"channel": "email", "le": "60.0"})
    listing = ListingFactory(first_seen_at=timezone.now() - timedelta(minutes=10))

    alerts_process(alert_ids=notify(SearchFactory(), listing))

    assert sample("alerts_created_total", {"channel": "email", "kind": "new"}) == created + 1
    assert sample("alerts_sent_total", {"channel": "email", "status": "sent"}) == sent + 1
    assert sample("alert_delivery_delay_seconds_count", {"channel": "email"}) == delays + 1
    assert sample("alert_delivery_delay_seconds_bucket", {"channel": "email", "le": "60.0"}) == slow  # ten minutes is not under a minute
