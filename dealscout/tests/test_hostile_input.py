"""Hostile request bodies and URLs are 400s in the one error shape, never 500s."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _assert_error_shape(response, status: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"} and body["status"] == status
    return body


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_deeply_nested_json_body_is_a_400(api_client, depth):
    body = "[" * depth + "]" * depth
    response = api_client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert _assert_error_shape(response, 400)["code"] == "parse_error"


def test_nesting_within_the_limit_is_read_as_usual(api_client):
    body = '{"email": "a@example.com", "password": "x", "extra": ' + "[" * 20 + "]" * 20 + "}"
    response = api_client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert _assert_error_shape(response, 400)["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("kind", "url"),
    [("webhook", "http://[::1/h"), ("webhook", "https://[::1/h"), ("apprise", "json://[::1/h"), ("apprise", "jsons://[::1]:99999/h")],
)
def test_a_malformed_channel_url_is_a_400(alice_api, kind, url):
    response = alice_api.post("/api/v1/alerts/channels/", {"kind": kind, "url": url}, format="json")
    body = _assert_error_shape(response, 400)
    assert "url" in body["errors"]


def test_a_malformed_url_on_channel_update_is_a_400(alice_api, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    created = alice_api.post("/api/v1/alerts/channels/", {"kind": "webhook", "url": "http://127.0.0.1:9/h"}, format="json")
    assert created.status_code == 201
    response = alice_api.patch(f"/api/v1/alerts/channels/{created.json()['id']}/", {"url": "http://[::1/h"}, format="json")
    assert "url" in _assert_error_shape(response, 400)["errors"]
