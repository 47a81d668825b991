"""What a search would match now (the preview), the accessories flag, and staff-edited aliases."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from listings.tests.factories import ListingFactory, MarketplaceFactory
from searches import matching, selectors
from searches.aliases import alias_table
from searches.models import Alias, Search
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db

CAMERAS = [
    "Fujifilm X100V digital camera silver",
    "FUJIFILM X-100 V black",
    "Lens hood for Fujifilm X100V",
    "Fujifilm X100F silver",
    "Canon EOS R6 body",
]


@pytest.fixture(autouse=True)
def _fresh_alias_table():  # noqa: ANN202
    """Each test starts and ends with no alias table in memory (rows and cache roll back)."""
    from searches.aliases import aliases_changed

    aliases_changed()
    yield
    aliases_changed()


@pytest.fixture
def shelf(market):  # noqa: ANN001, ANN201
    return [ListingFactory(marketplace=market, title=title, price=Decimal("900")) for title in CAMERAS]


def test_the_preview_counts_matches_and_explains_examples_and_near_misses(shelf, market) -> None:  # noqa: ANN001
    search = SearchFactory(query="fuji x100v", marketplaces=[market])
    preview = selectors.search_preview(search_or_rules=search)
    assert preview.matching == 2 and preview.scanned == len(CAMERAS) and not preview.capped
    assert {example.title for example in preview.examples} == {CAMERAS[0], CAMERAS[1]}
    assert all("(alias)" in example.why for example in preview.examples)
    near = {listing.title: listing.why for listing in preview.near_misses}
    assert "accessor" in near["Lens hood for Fujifilm X100V"]
    assert "missing 'x100v'" in near["Fujifilm X100F silver"]
    assert "Canon EOS R6 body" not in near


def test_the_preview_looks_only_at_recent_listings_of_the_searchs_marketplaces(shelf, market) -> None:  # noqa: ANN001
    elsewhere = MarketplaceFactory(slug="elsewhere")
    ListingFactory(marketplace=elsewhere, title="Fujifilm X100V elsewhere")
    ListingFactory(marketplace=market, title="Fujifilm X100V long gone", last_seen_at=timezone.now() - timedelta(days=30))
    rules = matching.rules_for(SearchFactory.build(query="fuji x100v", excluded_terms=[]))
    preview = selectors.search_preview(search_or_rules=rules, marketplace_ids=[market.pk])
    assert preview.matching == 2 and preview.scanned == len(CAMERAS)


def test_the_preview_scan_is_capped_and_says_so(market, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(selectors, "PREVIEW_SCAN_CAP", 3)
    for _ in range(5):
        ListingFactory(marketplace=market, title="Fujifilm X100V")
    preview = selectors.search_preview(search_or_rules=SearchFactory(query="x100v", marketplaces=[market]))
    assert preview.scanned == 3 and preview.capped and "capped at 3" in preview.note


def test_creating_and_changing_a_search_answers_with_its_preview(alice_api, shelf) -> None:  # noqa: ANN001
    created = alice_api.post("/api/v1/searches/", {"name": "Fuji", "query": "fuji x100v", "marketplaces": ["sandbox"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["preview"]["matching"] == 2
    assert created.json()["include_accessories"] is False
    changed = alice_api.patch(f"/api/v1/searches/{created.json()['id']}/", {"include_accessories": True}, format="json")
    assert changed.status_code == 200
    assert changed.json()["preview"]["matching"] == 3  # the lens hood now counts
    assert Search.objects.get(pk=created.json()["id"]).include_accessories is True


def test_the_preview_endpoint_saves_nothing(alice_api, shelf) -> None:  # noqa: ANN001
    answer = alice_api.post("/api/v1/searches/preview/", {"query": "x100v -black", "marketplaces": ["sandbox"]}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["matching"] == 1 and body["examples"][0]["title"] == CAMERAS[0]
    assert body["scan_cap"] == selectors.PREVIEW_SCAN_CAP and "most recent listings" in body["note"]
    assert not Search.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"query": '"lens hood', "marketplaces": ["sandbox"]}, "query"),
        ({"query": "-broken", "marketplaces": ["sandbox"]}, "query"),
        ({"marketplaces": ["sandbox"]}, "query"),
        ({"query": "x100v"}, "marketplaces"),
        ({"query": "x100v", "marketplaces": ["sandbox"], "min_price": "9", "max_price": "1"}, "min_price"),
    ],
)
def test_a_bad_preview_body_is_a_400_naming_the_field(alice_api, market, payload, field) -> None:  # noqa: ANN001
    answer = alice_api.post("/api/v1/searches/preview/", payload, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.content


def test_a_query_that_cannot_be_read_is_not_saved(alice_api, market) -> None:  # noqa: ANN001
    answer = alice_api.post("/api/v1/searches/", {"name": "x", "query": "(x100v | x100vi", "marketplaces": ["sandbox"]}, format="json")
    assert answer.status_code == 400 and "query" in answer.json()["errors"]
    assert not Search.objects.exists()


def test_shipped_aliases_are_loaded_by_the_migration() -> None:
    assert Alias.objects.count() >= 100
    assert Alias.objects.get(term="fujifilm").synonyms == ["fuji"]


def test_a_staff_edit_of_an_alias_changes_matching_at_once(staff_client) -> None:  # noqa: ANN001
    rules = lambda: matching.MatchRules(  # noqa: E731
        query="lumix gh5", excluded=(), min_price=None, max_price=None, currency="", condition="any", aliases=alias_table()
    )
    assert not matching.listing_matches(rules(), title="Olympus GH5 body", price=None, currency="", condition="used")
    answer = staff_client.post(
        "/admin/searches/alias/add/", {"term": "Lumix", "synonyms": "olympus,  OM system", "category": "cameras", "enabled": "on"}
    )
    assert answer.status_code == 302, answer.content
    assert Alias.objects.get(term="lumix").synonyms == ["olympus", "om system"]
    assert matching.listing_matches(rules(), title="Olympus GH5 body", price=None, currency="", condition="used")
    Alias.objects.filter(term="lumix").delete()  # a queryset delete, as the admin's bulk action does
    assert not matching.listing_matches(rules(), title="Olympus GH5 body", price=None, currency="", condition="used")


def test_the_alias_table_is_read_once_not_per_listing(django_assert_num_queries) -> None:  # noqa: ANN001
    alias_table()
    with django_assert_num_queries(0):
        for _ in range(50):
            alias_table()


def test_another_processs_alias_edit_is_seen_after_the_recheck_interval() -> None:
    from django.core.cache import cache

    from searches import aliases

    first = alias_table()
    Alias.objects.filter(term="fujifilm").update(synonyms=["fuji", "fujicolor"])  # no signal: as if elsewhere
    cache.set(aliases._VERSION_KEY, "bumped-elsewhere", timeout=None)  # what the other process did
    assert alias_table() is first  # still within ALIAS_RECHECK_SECONDS
    aliases._local["checked"] = 0.0  # the interval has passed
    assert "fujicolor" in alias_table().synonyms("fuji")


def test_the_admin_refuses_an_alias_without_synonyms(staff_client) -> None:  # noqa: ANN001
    answer = staff_client.post("/admin/searches/alias/add/", {"term": "thing", "synonyms": " , ", "enabled": "on"})
    assert answer.status_code == 200 and b"at least one synonym" in answer.content
    assert not Alias.objects.filter(term="thing").exists()


def test_match_titles_prints_one_json_object_per_title(monkeypatch) -> None:  # noqa: ANN001
    titles = "Fujifilm X100V silver\nLens hood for X100V Fujifilm\n\nFujifilm X100V broken\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(titles))
    out = io.StringIO()
    call_command("match_titles", "--query", "fuji x100v", "--exclude", "broken", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["match"] for line in lines] == [True, False, False]
    assert lines[0] == {
        "title": "Fujifilm X100V silver",
        "match": True,
        "why": "matched 'fuji'≈'Fujifilm' (alias), 'x100v'; excluded: none",
    }
    assert "accessor" in lines[1]["why"] and "'broken'" in lines[2]["why"]

    monkeypatch.setattr("sys.stdin", io.StringIO(titles))
    out = io.StringIO()
    call_command("match_titles", "--query", "fuji x100v", "--accessories", stdout=out)
    assert [json.loads(line)["match"] for line in out.getvalue().splitlines()] == [True, True, True]


def test_match_titles_refuses_a_query_it_cannot_read() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--query"):
        call_command("match_titles", "--query", '"open', stdout=io.StringIO())


def test_accessories_never_count_as_comparables_even_when_matched(market) -> None:  # noqa: ANN001
    from searches.tests.factories import MatchFactory

    search = SearchFactory(query="x100v", include_accessories=True, marketplaces=[market])
    camera = MatchFactory(search=search, listing=ListingFactory(marketplace=market, title="Fujifilm X100V", price=Decimal("900")))
    MatchFactory(
        search=search, listing=ListingFactory(marketplace=market, title="Lens hood for X100V", price=Decimal("15"), kind="accessory")
    )
    assert selectors.search_comparable_prices(search=search) == {camera.listing_id: Decimal("900")}


def test_the_shipped_aliases_are_sound_data() -> None:
    from listings.textnorm import term_key
    from searches.aliases import shipped_alias_table, shipped_aliases

    rows = shipped_aliases()
    assert len(rows) >= 100
    terms = [row["term"] for row in rows]
    assert len(terms) == len(set(terms)), "a term is listed twice"
    for row in rows:
        assert row["synonyms"] and all(term_key(word) for word in [row["term"], *row["synonyms"]]), row
    # Groups merge when they share a spelling: none may snowball into a catch-all.
    table = shipped_alias_table()
    assert max(len(group) for group in table.groups.values()) <= 12
