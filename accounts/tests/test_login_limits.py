"""Every way to sign in shares the failed-login limits; the address is the one our proxies vouch for.

Paths: the API's token login, the browsable API's session login, the admin login (and the
web app's, which calls accounts.login.login_attempt). Nobody can lock another person out.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _api_login(api_client, email: str, password: str, address: str = "10.0.0.1", **headers):  # noqa: ANN001, ANN003, ANN202
    return api_client.post("/api/v1/auth/login", {"email": email, "password": password}, REMOTE_ADDR=address, **headers)


def _session_login(email: str, password: str, address: str, path: str = "/api/session/login/") -> tuple[Client, int]:
    client = Client()
    response = client.post(path, {"username": email, "password": password}, REMOTE_ADDR=address)
    return client, response.status_code


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Item 5: no lock-out of a person by strangers ---------------------------------------


def test_wrong_passwords_from_strangers_do_not_lock_the_owner_out(api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert _api_login(api_client, alice.email, "wrong", address="203.0.113.9").status_code == 400
    # The attacker's address may not try this account again in this window, even with the right password...
    locked = _api_login(api_client, alice.email, PASSWORD, address="203.0.113.9")
    assert locked.status_code == 429 and locked.json()["code"] == "throttled"
    assert 1 <= int(locked["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    # ...but the owner, from her own address, still signs in.
    assert _api_login(api_client, alice.email, PASSWORD, address="198.51.100.7").status_code == 200


def test_guesses_from_one_address_stop_at_the_account_limit_whatever_the_password(api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        _api_login(api_client, alice.email, "wrong", address="203.0.113.10")
    assert _api_login(api_client, alice.email, "another-guess", address="203.0.113.10").status_code == 429
    # Another account from the same address is a separate count (the address limit covers sprays).
    bob = UserFactory(email="bob@example.com")
    assert _api_login(api_client, bob.email, PASSWORD, address="203.0.113.10").status_code == 200


# --- Item 3: a forged X-Forwarded-For does not make a new address ------------------------


def test_forged_forwarded_for_does_not_escape_the_address_limit(api_client, alice, settings):
    settings.NUM_PROXIES = 0
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        response = _api_login(api_client, f"nobody{n}@example.com", "wrong", address="192.0.2.50", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}")
        assert response.status_code == 400
    refused = _api_login(api_client, alice.email, PASSWORD, address="192.0.2.50", HTTP_X_FORWARDED_FOR="10.1.0.99")
    assert refused.status_code == 429


def test_behind_one_proxy_the_address_is_what_the_proxy_appended(api_client, alice, settings):
    settings.NUM_PROXIES = 1
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    proxy = "10.244.0.5"
    for n in range(3):  # the client forges a left-most entry each time; the ingress appends the real one
        forged = f"1.2.3.{n}, 198.51.100.20"
        assert _api_login(api_client, f"x{n}@example.com", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 400
    assert _api_login(api_client, alice.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.20").status_code == 429
    # Another real client behind the same proxy is not affected.
    assert _api_login(api_client, alice.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 200


def test_the_api_throttle_keys_on_the_vouched_address_not_the_header(api_client, settings):
    settings.NUM_PROXIES = 0
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth": "3/min"}
    codes = [
        _api_login(api_client, "nobody@example.com", "wrong", address="192.0.2.60", HTTP_X_FORWARDED_FOR=f"10.2.0.{n}").status_code
        for n in range(5)
    ]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]


@pytest.mark.parametrize(
    ("num_proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.1", "192.0.2.1"),
        (1, "10.244.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "10.244.0.5", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, "10.244.0.5", "", "10.244.0.5"),
        (1, "10.244.0.5", "not-an-address", "10.244.0.5"),
        (0, "", "", "unknown"),
    ],
)
def test_client_ip_takes_the_entry_our_proxies_wrote(settings, num_proxies, remote, forwarded, expected):
    from core.clientip import client_ip

    settings.NUM_PROXIES = num_proxies
    assert client_ip({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}) == expected


# --- Item 2: the session login, the admin login and the web app's login share the limits ---


@pytest.mark.parametrize("path", ["/api/session/login/", "/admin/login/", "/login/"])
def test_an_address_over_its_limit_cannot_sign_in_on_the_session_or_admin_login(clean_cache, path, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    User.objects.create_superuser("operator@example.com", PASSWORD)
    for n in range(3):  # wrong guesses on the page itself count
        client, _ = _session_login(f"guess{n}@example.com", "wrong", "203.0.113.30", path)
        assert not _signed_in(client)
    client, status = _session_login("operator@example.com", PASSWORD, "203.0.113.30", path)
    assert not _signed_in(client)
    assert status in (200, 429)  # the form again, saying why (the web app also sets the status)
    client, _ = _session_login("operator@example.com", PASSWORD, "198.51.100.30", path)
    assert _signed_in(client)


def test_guesses_on_the_session_login_count_for_the_api_login(clean_cache, api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        client, _ = _session_login(alice.email, "wrong", "203.0.113.40")
    assert _api_login(api_client, alice.email, PASSWORD, address="203.0.113.40").status_code == 429


def test_the_session_login_says_why_it_refuses(clean_cache, alice, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 1
    _session_login(alice.email, "wrong", "203.0.113.41")
    response = Client().post("/api/session/login/", {"username": alice.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.41")
    assert b"Too many failed sign-ins" in response.content


def test_login_attempt_is_the_one_service(clean_cache, alice, rf, settings):
    from accounts.login import LoginThrottled, login_attempt
    from core.errors import DomainError

    settings.LOGIN_FAILURES_PER_ACCOUNT = 1
    request = rf.post("/login/", REMOTE_ADDR="203.0.113.50")
    assert login_attempt(request=request, email="ALICE@example.com", password=PASSWORD) == alice
    with pytest.raises(DomainError):
        login_attempt(request=request, email=alice.email, password="wrong")
    with pytest.raises(LoginThrottled) as caught:
        login_attempt(request=request, email=alice.email, password=PASSWORD)
    assert caught.value.retry_after >= 1
