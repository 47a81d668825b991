"""Channel management under /api/v1/alerts/channels/: secrets masked, other users' channels 404."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from alerts.models import NotificationChannel

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/channels/"


@pytest.fixture
def alice() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(email="alice@example.test"))
    return client


def test_webhook_secret_is_shown_once_then_masked(alice, allow_loopback_webhooks, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    created = alice.post(URL, {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "label": "home"}, format="json")
    assert created.status_code == 201, created.content
    secret = created.data["secret"]
    assert len(secret) >= 32
    assert NotificationChannel.objects.get(pk=created.data["id"]).secret == secret

    shown = alice.get(f"{URL}{created.data['id']}/")
    assert shown.data["url"] == "http://127.0.0.1:9/hook"
    assert shown.data["secret"].startswith("****") and secret not in shown.content.decode()
    assert secret not in alice.get(URL).content.decode()
    assert secret not in caplog.text


def test_apprise_url_is_never_shown_back(alice) -> None:  # noqa: ANN001
    apprise_url = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321"
    created = alice.post(URL, {"kind": "apprise", "url": apprise_url}, format="json")
    assert created.status_code == 201, created.content
    for response in (created, alice.get(URL)):
        body = response.content.decode()
        assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in body
        assert "tgram://****" in body


def test_list_includes_the_account_email_channel(alice) -> None:  # noqa: ANN001
    [channel] = alice.get(URL).data
    assert channel["kind"] == "email" and channel["address"] == "alice@example.test" and channel["enabled"]


def test_bad_channels_get_a_clear_400(alice, settings) -> None:  # noqa: ANN001
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    private = alice.post(URL, {"kind": "webhook", "url": "http://127.0.0.1/hook"}, format="json")
    assert private.status_code == 400 and "non-public" in str(private.data["errors"]["url"])
    nonsense = alice.post(URL, {"kind": "apprise", "url": "nonsense://what"}, format="json")
    assert nonsense.status_code == 400 and "apprise" in str(nonsense.data["errors"]["url"]).lower()
    for url in (f"http://{'a' * 64}.example.com/hook", f"http://{'ü' * 64}.example.com/hook", "http://example.com:99999/hook"):
        malformed = alice.post(URL, {"kind": "webhook", "url": url}, format="json")
        assert malformed.status_code == 400, (url, malformed.content)
        assert malformed.json()["errors"]["url"], malformed.json()
    unknown = alice.post(URL, {"kind": "pigeon"}, format="json")
    assert unknown.status_code == 400 and "kind" in unknown.data["errors"]
    assert not NotificationChannel.objects.exclude(kind="email").exists()


def test_turning_a_channel_back_on_forgets_why_it_was_off(alice, allow_loopback_webhooks) -> None:  # noqa: ANN001
    created = alice.post(URL, {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, format="json")
    NotificationChannel.objects.filter(pk=created.data["id"]).update(enabled=False, disabled_reason="the receiver answered 410 Gone")
    response = alice.patch(f"{URL}{created.data['id']}/", {"enabled": True}, format="json")
    assert response.status_code == 200
    assert response.data["enabled"] and response.data["disabled_reason"] == ""


def test_another_users_channel_answers_404(alice, allow_loopback_webhooks) -> None:  # noqa: ANN001
    created = alice.post(URL, {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, format="json")
    bob = APIClient()
    bob.force_authenticate(UserFactory())
    path = f"{URL}{created.data['id']}/"
    assert bob.get(path).status_code == 404
    assert bob.patch(path, {"enabled": False}, format="json").status_code == 404
    assert bob.delete(path).status_code == 404
    assert NotificationChannel.objects.get(pk=created.data["id"]).enabled
    assert created.data["id"] not in [channel["id"] for channel in bob.get(URL).data]


def test_anonymous_is_refused() -> None:
    assert APIClient().get(URL).status_code in (401, 403)


def test_admin_shows_only_the_masked_secret(admin_client, allow_loopback_webhooks) -> None:  # noqa: ANN001
    from alerts.services import channel_create

    channel, secret = channel_create(user=UserFactory(), kind="webhook", url="http://127.0.0.1:9/hook")
    page = admin_client.get(f"/admin/alerts/notificationchannel/{channel.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert channel.masked_secret in page.content.decode()


def test_admin_lists_alerts_deliveries_and_their_errors(admin_client, allow_loopback_webhooks, httpserver) -> None:  # noqa: ANN001
    from accounts.tests.factories import PreferencesFactory
    from alerts.models import Delivery
    from alerts.services import alerts_process, channel_create
    from listings.tests.factories import ListingFactory
    from searches.tests.factories import SearchFactory

    from .conftest import notify

    user = UserFactory()
    PreferencesFactory(user=user, email_enabled=False)
    channel_create(user=user, kind="webhook", url=httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("nope", status=502)
    alerts_process(alert_ids=notify(SearchFactory(owner=user), ListingFactory()))
    delivery = Delivery.objects.get()

    for path in ("/admin/alerts/alert/", "/admin/alerts/delivery/", "/admin/alerts/notification/", "/admin/alerts/notificationchannel/"):
        assert admin_client.get(path).status_code == 200, path
    page = admin_client.get(f"/admin/alerts/notification/{delivery.notification_id}/change/").content.decode()
    assert "the receiver answered HTTP 502" in page


def test_webhook_url_can_change_but_not_to_a_private_address(alice, settings) -> None:  # noqa: ANN001
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    created = alice.post(URL, {"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, format="json")
    path = f"{URL}{created.data['id']}/"
    assert alice.patch(path, {"url": "http://127.0.0.1:9/other"}, format="json").data["url"] == "http://127.0.0.1:9/other"
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = False
    refused = alice.patch(path, {"url": "http://10.0.0.8/hook"}, format="json")
    assert refused.status_code == 400 and "non-public" in str(refused.data["errors"]["url"])
    assert NotificationChannel.objects.get(pk=created.data["id"]).config["url"] == "http://127.0.0.1:9/other"


def test_every_channel_write_is_an_event_with_ids_only(alice, allow_loopback_webhooks, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.INFO, logger="alerts.services.channels")
    url = "http://127.0.0.1:9/hook?token=do-not-log-me"
    channel_id = alice.post(URL, {"kind": "webhook", "url": url}, format="json").data["id"]
    assert alice.patch(f"{URL}{channel_id}/", {"enabled": False}, format="json").status_code == 200
    assert alice.delete(f"{URL}{channel_id}/").status_code == 204
    events = [(record.msg, record.channel_id) for record in caplog.records if record.name == "alerts.services.channels"]
    assert events == [("alert_channel_created", channel_id), ("alert_channel_updated", channel_id), ("alert_channel_deleted", channel_id)]
    assert "do-not-log-me" not in caplog.text and "alice@example.test" not in caplog.text
