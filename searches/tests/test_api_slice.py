"""The first API slice: token login, the owner's searches, the owner's matched listings."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from listings.tests.factories import ListingFactory, MarketplaceFactory
from searches.models import Match, Search
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:  # noqa: ANN001
    client = APIClient()
    response = client.post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_login_with_a_wrong_password_gives_no_token() -> None:
    user = UserFactory()
    response = APIClient().post("/api/v1/auth/login", {"email": user.email, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_anonymous_requests_are_refused() -> None:
    assert APIClient().get("/api/v1/searches/").status_code == 401


def test_logout_revokes_the_token() -> None:
    client = client_for(UserFactory())
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/searches/").status_code == 401


def test_owner_creates_reads_updates_and_deletes_a_search() -> None:
    MarketplaceFactory(slug="sandbox")
    user = UserFactory()
    client = client_for(user)
    payload = {"name": "X100V", "query": "fujifilm x100v", "max_price": "900.00", "marketplaces": ["sandbox"], "excluded_terms": ["broken"]}
    created = client.post("/api/v1/searches/", payload, format="json")
    assert created.status_code == 201, created.content
    search_id = created.json()["id"]
    assert Search.objects.get(pk=search_id).owner == user
    assert client.get(f"/api/v1/searches/{search_id}/").json()["excluded_terms"] == ["broken"]
    assert client.patch(f"/api/v1/searches/{search_id}/", {"max_price": "850.00"}, format="json").json()["max_price"] == "850.00"
    assert client.delete(f"/api/v1/searches/{search_id}/").status_code == 204
    assert not Search.objects.filter(pk=search_id).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"min_price": "900", "max_price": "100"}, "min_price"),
        ({"min_price": "-5"}, "min_price"),
        ({"interval_minutes": 4}, "interval_minutes"),
        ({"marketplaces": ["no-such-shop"]}, "marketplaces"),
    ],
)
def test_a_wrong_search_payload_is_a_400_naming_the_field_and_saves_nothing(payload: dict, field: str) -> None:
    MarketplaceFactory(slug="sandbox")
    client = client_for(UserFactory())
    response = client.post("/api/v1/searches/", {"name": "n", "query": "q", "marketplaces": ["sandbox"], **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Search.objects.count() == 0


def test_charlie_has_no_access_to_alices_searches_or_listings() -> None:
    alice, charlie = UserFactory(), UserFactory()
    search = SearchFactory(owner=alice)
    match = Match.objects.create(search=search, listing=ListingFactory())
    client = client_for(charlie)
    assert client.get("/api/v1/searches/").json()["results"] == []
    assert client.get(f"/api/v1/searches/{search.pk}/").status_code == 404
    assert client.patch(f"/api/v1/searches/{search.pk}/", {"name": "mine"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/searches/{search.pk}/").status_code == 404
    assert client.get("/api/v1/listings/").json()["results"] == []
    assert client.get(f"/api/v1/listings/{match.pk}/").status_code == 404
    assert Search.objects.get(pk=search.pk).name == search.name


def test_owner_reads_matched_listings() -> None:
    user = UserFactory()
    search = SearchFactory(owner=user)
    listing = ListingFactory(title="Fujifilm X100V silver", price="899.00")
    Match.objects.create(search=search, listing=listing, score_explanation="12% below the median of 8 comparable listings")
    body = client_for(user).get("/api/v1/listings/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert (item["title"], item["price"], item["search_id"]) == ("Fujifilm X100V silver", "899.00", search.pk)
    assert item["score_explanation"].startswith("12% below")
