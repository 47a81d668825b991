"""Answers kept per user in Redis (core.usercache): served again, forgotten on a change,
and read in the user throttle's round trip (one round trip for both, still counted)."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from redis.connection import AbstractConnection

from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

PAGE = "/api/v1/listings/?page_size=50&ordering=-deal_score"


@pytest.fixture(autouse=True)
def _view_cache_on(settings: Any) -> None:
    settings.API_VIEW_CACHE_SECONDS = 30
    settings.API_TOKEN_CACHE_SECONDS = 60


@contextmanager
def round_trips() -> Any:
    """Counts what is sent to Redis: one packed send is one round trip (a pipeline is one)."""
    sent: list[int] = []
    real = AbstractConnection.send_packed_command

    def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(1)
        real(self, command, check_health)

    with mock.patch.object(AbstractConnection, "send_packed_command", counting):
        yield sent


def test_a_cached_page_costs_the_token_lookup_and_one_round_trip(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    MatchFactory(search=search, deal_score=Decimal(10))
    first = alice_api.get(PAGE)
    assert first.status_code == 200
    with round_trips() as sent:
        again = alice_api.get(PAGE)
    assert again.json() == first.json()
    # The token (cached) and one pipeline: the throttle's count with the page's read.
    assert len(sent) == 2


def test_a_cached_dashboard_costs_the_same(alice_api, alice, market):
    SearchFactory(owner=alice, marketplaces=[market])
    first = alice_api.get("/api/v1/dashboard/").json()
    with round_trips() as sent:
        again = alice_api.get("/api/v1/dashboard/").json()
    assert again == first
    # Token, throttle + dashboard, the shared scrape health.
    assert len(sent) == 3


def test_a_change_is_seen_at_once_through_the_cache(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    match = MatchFactory(search=search, deal_score=Decimal(10))
    assert [row["saved"] for row in alice_api.get(PAGE).json()["results"]] == [False]
    assert alice_api.post(f"/api/v1/listings/{match.pk}/save/").status_code == 200
    assert [row["saved"] for row in alice_api.get(PAGE).json()["results"]] == [True]


def test_cached_answers_still_count_against_the_throttle(alice_api, alice, market, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/min"}
    SearchFactory(owner=alice, marketplaces=[market])
    statuses = [alice_api.get(PAGE).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = alice_api.get("/api/v1/dashboard/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60


def test_users_never_get_each_others_cached_page(alice_api, bob_api, alice, bob, market):
    MatchFactory(search=SearchFactory(owner=alice, marketplaces=[market]), deal_score=Decimal(10))
    assert alice_api.get(PAGE).json()["count"] == 1
    assert bob_api.get(PAGE).json()["count"] == 0
    assert bob_api.get(PAGE).json()["count"] == 0  # from bob's own cache
