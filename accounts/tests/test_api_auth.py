"""Register, login, logout, me and password change through the API."""

from __future__ import annotations

import pytest
from knox.models import AuthToken

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(api_client, email: str, password: str, address: str = "10.0.0.1"):
    return api_client.post("/api/v1/auth/login", {"email": email, "password": password}, REMOTE_ADDR=address)


def test_register_creates_account_and_returns_a_working_token(api_client):
    response = api_client.post(
        "/api/v1/auth/register", {"email": "New@Example.com", "password": "plum-orbit-lantern-93", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["notifications"]["frequency"] == "instant"
    user = User.objects.get(email="new@example.com")
    assert user.timezone == "Europe/Berlin"
    assert user.check_password("plum-orbit-lantern-93")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/v1/auth/me").json()["email"] == "new@example.com"


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "too short"), ("password123", "too common"), ("83749201746", "entirely numeric"), ("newperson@x", "too similar")],
)
def test_register_rejects_a_password_djangos_validators_refuse(api_client, password, reason):
    response = api_client.post("/api/v1/auth/register", {"email": "newperson@example.com", "password": password})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert reason in " ".join(body["errors"]["password"]).lower()
    assert not User.objects.filter(email="newperson@example.com").exists()


def test_register_refuses_a_taken_address_and_an_unknown_timezone(api_client, alice):
    taken = api_client.post("/api/v1/auth/register", {"email": "ALICE@example.com", "password": "plum-orbit-lantern-93"})
    assert taken.status_code == 400 and "email" in taken.json()["errors"]
    bad_zone = api_client.post(
        "/api/v1/auth/register", {"email": "zed@example.com", "password": "plum-orbit-lantern-93", "timezone": "Mars/Olympus"}
    )
    assert bad_zone.status_code == 400 and "timezone" in bad_zone.json()["errors"]


def test_login_returns_a_hashed_expiring_token(api_client, alice):
    response = _login(api_client, "alice@example.com", PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=alice)
    assert stored.expiry is not None
    assert token not in stored.digest  # knox keeps only a digest
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_wrong_password_is_a_400_in_the_error_shape(api_client, alice):
    response = _login(api_client, "alice@example.com", "nope-nope-nope")
    assert response.status_code == 400
    assert response.json() == {"status": 400, "code": "invalid_credentials", "detail": "Wrong e-mail or password.", "errors": {}}


def test_logout_revokes_the_token(api_client, alice):
    token = _login(api_client, "alice@example.com", PASSWORD).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.post("/api/v1/auth/logout").status_code == 204
    after = api_client.get("/api/v1/auth/me")
    assert after.status_code == 401
    assert after.json()["code"] == "authentication_failed"


def test_anonymous_gets_401_with_www_authenticate(api_client):
    response = api_client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["status"] == 401


def test_session_login_works_for_the_browsable_api(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/auth/me", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"


def test_me_updates_profile_timezone_and_preferences(alice_api, alice):
    response = alice_api.patch(
        "/api/v1/auth/me",
        {
            "name": "Alice L.",
            "timezone": "America/New_York",
            "notifications": {"frequency": "daily", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00", "hourly_cap": 5},
        },
    )
    assert response.status_code == 200, response.content
    alice.refresh_from_db()
    prefs = alice.notification_preferences
    assert (alice.name, alice.timezone) == ("Alice L.", "America/New_York")
    assert (prefs.frequency, str(prefs.quiet_hours_start), prefs.hourly_cap) == ("daily", "22:00:00", 5)
    assert response.json()["notifications"]["quiet_hours_end"] == "07:00:00"


def test_me_rejects_bad_values_and_changes_nothing(alice_api, alice):
    for payload, field in [
        ({"timezone": "Nowhere/Town"}, "timezone"),
        ({"notifications": {"frequency": "weekly"}}, "notifications.frequency"),
        ({"notifications": {"quiet_hours_start": "22:00"}}, "notifications.quiet_hours_start"),
    ]:
        response = alice_api.patch("/api/v1/auth/me", payload)
        assert response.status_code == 400, payload
        assert field in response.json()["errors"], response.json()
    alice.refresh_from_db()
    assert alice.timezone == "UTC"
    assert alice.notification_preferences.frequency == "instant"
    assert alice.notification_preferences.quiet_hours_start is None


def test_email_cannot_be_changed_through_me(alice_api, alice):
    alice_api.patch("/api/v1/auth/me", {"email": "mallory@example.com"})
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_password_change_checks_the_current_one_and_revokes_other_tokens(api_client, alice):
    other = _login(api_client, "alice@example.com", PASSWORD).json()["token"]
    current = _login(api_client, "alice@example.com", PASSWORD).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {current}")

    wrong = api_client.post("/api/v1/auth/password", {"current_password": "guess", "new_password": "fresh-meadow-tulip-88"})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["errors"]
    weak = api_client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]

    ok = api_client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "fresh-meadow-tulip-88"})
    assert ok.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password("fresh-meadow-tulip-88")
    assert api_client.get("/api/v1/auth/me").status_code == 200  # this token lives on
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert api_client.get("/api/v1/auth/me").status_code == 401  # the other one is revoked


def test_failed_logins_lock_an_address_out_of_an_account_not_the_owner(api_client, alice, settings):
    # (accounts/tests/test_login_limits.py has the rest: nobody can lock a person out.)
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert _login(api_client, "alice@example.com", "wrong", address="10.0.1.1").status_code == 400
    locked = _login(api_client, "alice@example.com", PASSWORD, address="10.0.1.1")
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert locked.json()["code"] == "throttled"
    assert _login(api_client, "alice@example.com", PASSWORD, address="10.0.2.1").status_code == 200


def test_failed_logins_lock_the_address_across_accounts(api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        assert _login(api_client, f"nobody{n}@example.com", "wrong", address="10.9.9.9").status_code == 400
    assert _login(api_client, "alice@example.com", PASSWORD, address="10.9.9.9").status_code == 429
    assert _login(api_client, "alice@example.com", PASSWORD, address="10.9.9.10").status_code == 200


def test_a_good_login_clears_the_account_failures(api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        _login(api_client, "alice@example.com", "wrong")
    assert _login(api_client, "alice@example.com", PASSWORD).status_code == 200
    for _ in range(2):
        _login(api_client, "alice@example.com", "wrong")
    assert _login(api_client, "alice@example.com", PASSWORD).status_code == 200


def test_an_expired_token_is_refused_and_deleted(api_client, alice):
    from datetime import timedelta

    from django.utils import timezone

    instance, token = AuthToken.objects.create(alice)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/auth/me")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(pk=instance.pk).exists()
