"""A cross-posted listing is matched once per search; price drops alert with hysteresis.

Marketplaces are local RSS feeds (pytest-httpserver), read through the real client.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from alerts.models import Alert
from listings.models import Listing, Marketplace
from searches.models import Match, Search
from searches.services import scout_group_run, scout_query_for
from searches.tests.factories import SearchFactory


def feed(*items: tuple[str, str, str]) -> str:
    body = "".join(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>" for title, link, _ in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.test/</link>{body}</channel></rss>'


@pytest.fixture
def world(site: Any, make_marketplace: Any) -> Any:
    one = make_marketplace("rss", slug="feed-one", name="One", config={"feed_path": "/one.xml"})
    two = make_marketplace("rss", slug="feed-two", name="Two", config={"feed_path": "/two.xml"})
    search = SearchFactory(
        owner=UserFactory(email="alice@example.test"), name="x100v", query="fuji x100v", currency="USD", price_drop_percent=10
    )
    search.marketplaces.set([one, two])
    return site, one, two, search


def run(search: Search, marketplace: Marketplace) -> Any:
    return scout_group_run(query=scout_query_for(search, marketplace.pk, marketplace.agent), search_ids=[search.pk])


def test_the_same_item_on_two_marketplaces_is_matched_once(world: Any) -> None:
    server, one, two, search = world
    server.expect_request("/one.xml").respond_with_data(feed(("Fuji X100V silver - $1,100", "https://one.test/a/1", "")))
    server.expect_request("/two.xml").respond_with_data(
        feed(("FUJI x100v, Silver - $1100", "https://two.test/b/9", ""), ("Fuji X100V black - $1,250", "https://two.test/b/10", ""))
    )
    run(search, one)
    run(search, two)
    assert Listing.objects.count() == 3
    assert sorted(Match.objects.filter(search=search).values_list("listing__url", flat=True)) == [
        "https://one.test/a/1",
        "https://two.test/b/10",
    ]
    assert Alert.objects.filter(search=search).count() == 2


def test_price_drop_alerts_once_beyond_the_threshold_and_not_for_wobbles(world: Any) -> None:
    server, one, _two, search = world
    prices = ["$1,000", "$950", "$890", "$905", "$885", "$790"]
    for price in prices:
        server.expect_oneshot_request("/one.xml").respond_with_data(feed((f"Fuji X100V - {price}", "https://one.test/a/1", "")))
    kinds = []
    for _ in prices:
        result = run(search, one)
        kinds.append(sorted(event.kind for event in result.events))
    # 1000 -> matched (new); 950: -5%, under the 10% threshold; 890: -11% -> drop, new reference 890;
    # 905 and 885 hover near it: no alert; 790: -11% from 890 -> drop.
    assert kinds == [["new"], [], ["price_drop"], [], [], ["price_drop"]]
    match = Match.objects.get(search=search)
    assert str(match.reference_price) == "790.00"
