"""Channel secrets: encrypted in the database, never filterable in the admin, rotated by a command."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from alerts.models import NotificationChannel

URL = "/api/v1/alerts/channels/"
APPRISE_URL = "tgram://123456789:plain-telegram-token-abc/987654"


def _raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM alerts_notificationchannel WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def owner_api(db) -> APIClient:  # noqa: ANN001
    client = APIClient()
    client.force_authenticate(UserFactory(email="owner@example.test"))
    return client


@pytest.mark.django_db
def test_a_database_dump_holds_no_secret_in_clear(owner_api, allow_loopback_webhooks) -> None:  # noqa: ANN001
    webhook = owner_api.post(URL, {"kind": "webhook", "url": "http://127.0.0.1:9/h", "secret": "whsec-at-rest-0123456789"}, format="json")
    apprise = owner_api.post(URL, {"kind": "apprise", "url": APPRISE_URL}, format="json")
    assert webhook.status_code == 201 and apprise.status_code == 201, (webhook.content, apprise.content)
    for response, plain in ((webhook, "whsec-at-rest-0123456789"), (apprise, "plain-telegram-token-abc")):
        raw = _raw_secret(response.json()["id"])
        assert plain not in raw
        assert raw.startswith("gAAAAA")  # a Fernet token
    # Code still sees the secret.
    assert NotificationChannel.objects.get(pk=webhook.json()["id"]).secret == "whsec-at-rest-0123456789"
    assert NotificationChannel.objects.get(pk=apprise.json()["id"]).secret == APPRISE_URL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/admin/alerts/notificationchannel/", "secret__startswith=w"),
        ("/admin/alerts/notificationchannel/", "secret=x"),
        ("/admin/alerts/notificationchannel/", "config__url__startswith=h"),
        ("/admin/alerts/delivery/", "channel__secret__startswith=w"),
    ],
)
def test_the_admin_refuses_filters_on_secrets(staff_client, path, query) -> None:  # noqa: ANN001
    channel = NotificationChannel.objects.create(user=UserFactory(), kind="webhook", secret="whsec-zzzzzzzzzzzzzzzz")
    assert channel.pk
    response = staff_client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert b"1 result" not in response.content and b"0 results" not in response.content
    # An ordinary filter still works.
    ordinary = "status__exact=sent" if "delivery" in path else "kind__exact=webhook"
    assert staff_client.get(f"{path}?{ordinary}").status_code == 200


@pytest.mark.django_db
def test_rotate_encryption_key_moves_every_secret_to_the_first_key(settings, capsys) -> None:  # noqa: ANN001
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    channel = NotificationChannel.objects.create(user=UserFactory(), kind="apprise", secret=APPRISE_URL)
    under_old = _raw_secret(channel.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_key")
    out = capsys.readouterr().out
    assert "alerts.NotificationChannel.secret: 1 re-encrypted" in out
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: the secret still opens
    assert _raw_secret(channel.pk) != under_old
    assert NotificationChannel.objects.get(pk=channel.pk).secret == APPRISE_URL
    assert Fernet(new.encode()).decrypt(_raw_secret(channel.pk).encode()).decode() == APPRISE_URL


@pytest.mark.django_db
def test_a_secret_written_with_a_dropped_key_is_a_clear_error(settings) -> None:  # noqa: ANN001
    from core.crypto import DecryptionFailed

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    channel = NotificationChannel.objects.create(user=UserFactory(), kind="apprise", secret=APPRISE_URL)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionFailed, match="FIELD_ENCRYPTION_KEY"):
        NotificationChannel.objects.get(pk=channel.pk)


def _check_ids(deploy: bool) -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=deploy)}


def test_production_without_an_encryption_key_fails_the_system_check(settings) -> None:  # noqa: ANN001
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    assert "dealscout.E001" in _check_ids(deploy=False)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert "dealscout.E001" not in _check_ids(deploy=False)
    settings.DEBUG = True
    settings.FIELD_ENCRYPTION_KEYS = []
    assert "dealscout.E001" not in _check_ids(deploy=False)
    assert "dealscout.W001" in _check_ids(deploy=True)  # the embedded default's derived key


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows() -> None:
    from django.db.migrations.executor import MigrationExecutor

    from accounts.models import User

    target = "0003_harden_encrypt_channel_secret"
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("alerts", target)
    before = [dep for dep in migration.dependencies if dep[0] == "alerts"]
    user = User.objects.create_user(email="legacy@example.test", password="irrelevant-pass-1")
    try:
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO alerts_notificationchannel (user_id, kind, label, config, secret, enabled, disabled_reason, notice_pending, created_at)"
                " VALUES (%s, 'apprise', '', '{}', %s, %s, '', %s, CURRENT_TIMESTAMP)",
                [user.pk, APPRISE_URL, True, False],
            )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        channel = NotificationChannel.objects.get(user=user)
        assert _raw_secret(channel.pk).startswith("gAAAAA")
        assert channel.secret == APPRISE_URL
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
