"""Deleting an account: deactivated at once, restored by signing in within the grace period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import ActivityLog, User
from accounts.tests.conftest import T0
from accounts.tests.factories import PASSWORD, UserFactory
from alerts.models import Alert
from alerts.tests.factories import AlertFactory
from searches.models import Search
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def token_client(user: User) -> tuple[APIClient, str]:
    _, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, token


def sign_in(email: str, password: str = PASSWORD):  # noqa: ANN201
    return APIClient().post("/api/v1/auth/login", {"email": email, "password": password}, format="json")


@pytest.fixture
def owner(clock) -> User:
    user = UserFactory(email="owner@example.org")
    SearchFactory(owner=user, name="running")
    SearchFactory(owner=user, name="already paused", is_active=False)
    AlertFactory(search=Search.objects.get(name="running"))
    return user


def test_delete_with_wrong_password_changes_nothing(owner) -> None:
    client, _ = token_client(owner)
    response = client.delete("/api/v1/auth/me", {"password": "not it"}, format="json")
    assert response.status_code == 400
    assert "password" in response.content.decode()  # whatever the shared error shape, it names the field
    owner.refresh_from_db()
    assert owner.is_active and owner.deleted_at is None
    assert Search.objects.filter(owner=owner, is_active=True).count() == 1


def test_delete_without_password_is_rejected(owner) -> None:
    client, _ = token_client(owner)
    assert client.delete("/api/v1/auth/me", {}, format="json").status_code == 400
    owner.refresh_from_db()
    assert owner.is_active


def test_delete_deactivates_revokes_pauses_and_stops(owner) -> None:
    client, _ = token_client(owner)
    token_client(owner)  # a second device
    response = client.delete("/api/v1/auth/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["erase_after"].startswith((T0 + timedelta(days=settings.DELETED_USER_GRACE_DAYS)).date().isoformat())
    owner.refresh_from_db()
    assert not owner.is_active and owner.deleted_at == T0
    assert AuthToken.objects.filter(user=owner).count() == 0
    assert client.get("/api/v1/auth/me/export").status_code == 401
    assert Search.objects.filter(owner=owner, is_active=True).count() == 0
    assert Alert.objects.get(user=owner).status == Alert.Status.FAILED
    assert ActivityLog.objects.filter(user=owner, action="account_deletion_requested").exists()


def test_signing_in_within_grace_period_cancels_and_resumes(owner, clock) -> None:
    client, _ = token_client(owner)
    client.delete("/api/v1/auth/me", {"password": PASSWORD}, format="json")
    clock.move_to(T0 + timedelta(days=settings.DELETED_USER_GRACE_DAYS) - DAY)

    assert sign_in("owner@example.org", "wrong").status_code == 400
    owner.refresh_from_db()
    assert owner.deleted_at is not None  # a wrong password cancels nothing

    response = sign_in("owner@example.org")
    assert response.status_code == 200 and response.json()["token"]
    owner.refresh_from_db()
    assert owner.is_active and owner.deleted_at is None and owner.deletion_hold == {}
    # Only what the deletion paused runs again.
    assert set(Search.objects.filter(owner=owner, is_active=True).values_list("name", flat=True)) == {"running"}
    assert ActivityLog.objects.filter(user=owner, action="account_deletion_cancelled").exists()


def test_signing_in_after_grace_period_fails_and_purge_erases(owner, clock) -> None:
    call_command("gdpr_erase", "owner@example.org")
    clock.move_to(T0 + timedelta(days=settings.DELETED_USER_GRACE_DAYS) + DAY)

    assert sign_in("owner@example.org").status_code == 400
    call_command("purge_expired")
    assert not User.objects.filter(email="owner@example.org").exists()


def test_session_sign_in_through_django_login_also_cancels(owner, client) -> None:
    call_command("gdpr_erase", "owner@example.org")
    assert client.login(email="owner@example.org", password=PASSWORD)
    owner.refresh_from_db()
    assert owner.is_active and owner.deleted_at is None


def test_old_session_does_not_let_a_deleted_account_back_in(owner, client) -> None:
    client.force_login(owner)
    call_command("gdpr_erase", "owner@example.org")
    assert client.get("/api/v1/auth/me/export").status_code in (401, 403)
    owner.refresh_from_db()
    assert owner.deleted_at is not None


def test_operator_deactivated_account_cannot_sign_in(clock) -> None:
    UserFactory(email="blocked@example.org", is_active=False)
    assert sign_in("blocked@example.org").status_code == 400
    assert not User.objects.get(email="blocked@example.org").is_active


def test_erase_command_twice_keeps_the_first_deletion_date(owner, clock, capsys) -> None:
    call_command("gdpr_erase", "owner@example.org")
    clock.move_to(T0 + 3 * DAY)
    call_command("gdpr_erase", "owner@example.org")
    assert "already pending" in capsys.readouterr().out
    owner.refresh_from_db()
    assert owner.deleted_at == T0
