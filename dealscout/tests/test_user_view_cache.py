"""Answers kept per user in Redis (core.usercache): served again, forgotten on a change,
and read with the token and the user throttle's count in one round trip (still counted)."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import orjson
import pytest
from knox.models import AuthToken
from redis.connection import AbstractConnection
from rest_framework.test import APIClient

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


def test_a_cached_page_costs_one_round_trip(alice_api, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    MatchFactory(search=search, deal_score=Decimal(10))
    first = alice_api.get(PAGE)
    assert first.status_code == 200
    alice_api.get(PAGE)  # the process's first script call also loads the script
    with round_trips() as sent:
        again = alice_api.get(PAGE)
    assert again.content == first.content
    # The token's entry, the throttle's count and the page, in one script call.
    assert len(sent) == 1


def test_a_cached_dashboard_costs_the_same(alice_api, alice, market):
    SearchFactory(owner=alice, marketplaces=[market])
    first = alice_api.get("/api/v1/dashboard/").json()
    alice_api.get("/api/v1/dashboard/")
    with round_trips() as sent:
        again = alice_api.get("/api/v1/dashboard/").json()
    assert again == first
    # The scrape health comes from this process's own copy for a few seconds.
    assert len(sent) == 1


def test_other_endpoints_read_the_token_and_count_in_one_round_trip(alice_api, alice, market):
    SearchFactory(owner=alice, marketplaces=[market])
    assert alice_api.get("/api/v1/searches/").status_code == 200
    assert alice_api.get("/api/v1/searches/").status_code == 200
    with round_trips() as sent:
        assert alice_api.get("/api/v1/searches/").status_code == 200
    assert len(sent) == 1


def test_a_cached_page_is_sent_as_the_renderer_wrote_it(alice_api, alice, market):
    # U+2028 is escaped by the renderer, dates carry its "Z": the stored bytes must match.
    search = SearchFactory(owner=alice, marketplaces=[market])
    MatchFactory(search=search, deal_score=Decimal(10), listing__title="Fuji X100V\u2028boxed")
    first = alice_api.get(PAGE)
    again = alice_api.get(PAGE)
    assert b"\\u2028" in first.content
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_a_cached_page_still_renders_for_the_browsable_api_and_indent(alice_api, alice, market):
    MatchFactory(search=SearchFactory(owner=alice, marketplaces=[market]), deal_score=Decimal(10))
    compact = alice_api.get(PAGE).json()
    html = alice_api.get(PAGE, HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    indented = alice_api.get(PAGE, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b"{\n  ")
    assert orjson.loads(indented.content) == compact


def test_a_revoked_token_is_refused_and_costs_its_user_nothing(alice_api, alice, market, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/min"}
    SearchFactory(owner=alice, marketplaces=[market])
    assert alice_api.get(PAGE).status_code == 200  # this process now knows whose the token is
    AuthToken.objects.filter(user=alice).delete()  # a logout everywhere
    refused = [alice_api.get(PAGE).status_code for _ in range(5)]
    assert refused == [401] * 5
    # Her throttle window holds only the one request she made: a new token still gets two.
    again = APIClient()
    again.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(alice)[1]}")
    assert [again.get(PAGE).status_code for _ in range(3)] == [200, 200, 429]


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


def test_pages_keep_coming_after_redis_forgets_the_script(alice_api, alice, market):
    from django_redis import get_redis_connection

    MatchFactory(search=SearchFactory(owner=alice, marketplaces=[market]), deal_score=Decimal(10))
    first = alice_api.get(PAGE)
    assert alice_api.get(PAGE).content == first.content
    get_redis_connection("default").script_flush()  # as after a Redis restart
    again = alice_api.get(PAGE)
    assert again.status_code == 200 and again.content == first.content


def test_a_cached_dashboard_is_the_fresh_one_byte_for_byte(alice_api, alice, market):
    # Fresh: encoded from the queries; cached: the stored per-user body with the scrape
    # health spliced in (dealscout.dashboard._with_health). Both must be the renderer's bytes.
    from rest_framework.renderers import JSONRenderer

    MatchFactory(search=SearchFactory(owner=alice, marketplaces=[market]), deal_score=Decimal(10), listing__title="X100V\u2028")
    fresh = alice_api.get("/api/v1/dashboard/")
    cached = alice_api.get("/api/v1/dashboard/")
    assert cached.content == fresh.content
    assert fresh.content == JSONRenderer().render(orjson.loads(fresh.content))
    assert market.slug in [row["slug"] for row in orjson.loads(cached.content)["scrape_health"]]
    html = alice_api.get("/api/v1/dashboard/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    indented = alice_api.get("/api/v1/dashboard/", HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b"{\n  ") and orjson.loads(indented.content) == orjson.loads(fresh.content)


def test_a_stored_dashboard_of_another_shape_still_gets_its_scrape_health(alice, market):
    from core import usercache
    from dealscout.dashboard import CACHE_FIELD, dashboard_body

    # As if written by a release whose last field was not the scrape health.
    usercache.user_view_set(alice.pk, CACHE_FIELD, b'{"scrape_health":[],"active_searches":7}')
    data = orjson.loads(dashboard_body(user=alice))
    assert data["active_searches"] == 7
    assert market.slug in [row["slug"] for row in data["scrape_health"]]
