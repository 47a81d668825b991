"""A person's alerts through the API: list, unread filter, mark read, nobody else's."""

from __future__ import annotations

import pytest

from alerts.models import Alert
from alerts.tests.factories import AlertFactory
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    unread = [AlertFactory(search=search) for _ in range(3)]
    read = AlertFactory(search=search, read_at="2026-01-01T00:00:00Z")
    return {"unread": unread, "read": read}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_and_unread_filter(alice_api, inbox):
    everything = {a.pk for a in inbox["unread"]} | {inbox["read"].pk}
    assert _ids(alice_api.get("/api/v1/alerts/")) == everything
    assert _ids(alice_api.get("/api/v1/alerts/?unread=true")) == {a.pk for a in inbox["unread"]}
    assert _ids(alice_api.get("/api/v1/alerts/?unread=false")) == {inbox["read"].pk}
    first = alice_api.get("/api/v1/alerts/").json()["results"][0]
    assert first["marketplace"].startswith("market") and first["search_name"]


def test_bad_unread_value_is_a_400(alice_api, inbox):
    response = alice_api.get("/api/v1/alerts/?unread=maybe")
    assert response.status_code == 400 and "unread" in response.json()["errors"]


def test_mark_one_read(alice_api, inbox):
    alert = inbox["unread"][0]
    body = alice_api.post(f"/api/v1/alerts/{alert.pk}/read/").json()
    assert body["read_at"] is not None
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert Alert.objects.filter(read_at__isnull=True).count() == 2


def test_mark_all_read_touches_only_your_alerts(alice_api, inbox, bob, market):
    bobs = AlertFactory(search=SearchFactory(owner=bob, marketplaces=[market]))
    assert alice_api.post("/api/v1/alerts/read-all/").json() == {"marked_read": 3}
    assert not Alert.objects.filter(user=inbox["read"].user, read_at__isnull=True).exists()
    bobs.refresh_from_db()
    assert bobs.read_at is None


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "read/")])
def test_another_users_alert_is_a_404(bob_api, inbox, method, suffix):
    alert = inbox["unread"][0]
    response = getattr(bob_api, method)(f"/api/v1/alerts/{alert.pk}/{suffix}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    alert.refresh_from_db()
    assert alert.read_at is None


def test_list_query_count_does_not_grow_with_page_size(alice_api, alice, market, assert_constant_queries):
    search = SearchFactory(owner=alice, marketplaces=[market])
    for _ in range(12):
        AlertFactory(search=search)
    assert_constant_queries(alice_api, "/api/v1/alerts/", small=2, large=12)
