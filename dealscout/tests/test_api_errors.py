"""One JSON error shape for 400, 401, 403, 404, 405, 429 and 500, under /api/ only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "detail", "errors"}


def _assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE
    assert body["status"] == status and body["code"] == code
    return body


def test_400_names_the_fields(alice_api, market):
    body = _assert_shape(alice_api.post("/api/v1/searches/", {"query": "x", "marketplaces": ["sandbox"]}), 400, "invalid")
    assert body["errors"] == {"name": ["This field is required."]}


def test_400_for_malformed_json(alice_api):
    response = alice_api.post("/api/v1/searches/", "{not json", content_type="application/json")
    _assert_shape(response, 400, "parse_error")


def test_401_for_anonymous_and_bad_tokens(api_client):
    body = _assert_shape(api_client.get("/api/v1/searches/"), 401, "not_authenticated")
    assert body["detail"] == "Authentication credentials were not provided."
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get("/api/v1/searches/")
    _assert_shape(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_403_when_a_session_post_lacks_the_csrf_token(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    body = _assert_shape(client.post("/api/v1/searches/", {"name": "x"}), 403, "permission_denied")
    assert "CSRF" in body["detail"]


def test_404_for_unknown_objects_and_unknown_paths(alice_api):
    _assert_shape(alice_api.get("/api/v1/searches/999999/"), 404, "not_found")
    _assert_shape(alice_api.get("/api/v1/searches/not-a-number/"), 404, "not_found")
    _assert_shape(alice_api.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_404_outside_the_api_stays_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_405(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    _assert_shape(alice_api.put(f"/api/v1/searches/{search.pk}/", {}), 405, "method_not_allowed")
    _assert_shape(alice_api.delete("/api/v1/dashboard/"), 405, "method_not_allowed")


def test_429_carries_retry_after(alice_api, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/min"}
    for _ in range(3):
        assert alice_api.get("/api/v1/searches/").status_code == 200
    response = alice_api.get("/api/v1/searches/")
    body = _assert_shape(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in body["detail"].lower()


def test_anonymous_requests_have_their_own_throttle(api_client, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "2/min", "auth": "100/min"}
    codes = [api_client.post("/api/v1/auth/login", {"email": "a@b.co", "password": "x"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


@pytest.mark.parametrize("path", ["/api/v1/boom/drf", "/api/v1/boom/plain"])
def test_500_is_json_and_leaks_nothing(api_client, settings, path):
    settings.ROOT_URLCONF = "dealscout.tests.urls_boom"
    api_client.raise_request_exception = False
    response = api_client.get(path)
    body = _assert_shape(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert body["detail"] == "Server error."


def test_500_outside_the_api_stays_html(client, settings):
    settings.ROOT_URLCONF = "dealscout.tests.urls_boom"
    client.raise_request_exception = False
    response = client.get("/site/boom")
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")
