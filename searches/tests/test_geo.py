"""Place and radius: a search's location resolved offline, and listings filtered by distance."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from listings.places import resolve
from searches import geo
from searches.matching import listing_matches, rules_for
from searches.models import Search

pytestmark = pytest.mark.django_db


def _create(api, **overrides):
    payload = {"name": "Camera", "query": "fujifilm x100v", "marketplaces": ["sandbox"], **overrides}
    return api.post("/api/v1/searches/", payload, format="json")


def test_a_place_name_is_resolved_and_stored_on_create(alice_api, market):
    response = _create(alice_api, location="San Francisco, CA", radius_km=50)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["location"], body["location_name"], body["location_country"]) == ("San Francisco, CA", "San Francisco, CA, US", "US")
    assert body["latitude"] == pytest.approx(37.775, abs=0.01) and body["longitude"] == pytest.approx(-122.419, abs=0.01)
    search = Search.objects.get(pk=body["id"])
    assert search.location_postal_code.startswith("941")  # a San Francisco ZIP, for sites that search around one
    assert search.keep_unknown_location is True


def test_a_zip_code_is_a_place(alice_api, market):
    body = _create(alice_api, location="10001", radius_km=10).json()
    assert body["location_name"] == "10001 (New York, NY), US"
    assert Search.objects.get(pk=body["id"]).location_postal_code == "10001"


def test_an_unknown_place_is_a_400_on_location_and_saves_nothing(alice_api, market):
    response = _create(alice_api, location="Atlantis, Narnia", radius_km=25)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_place" and "location" in body["errors"], body
    assert "Atlantis" in body["errors"]["location"][0]
    assert not Search.objects.exists()


def test_a_country_is_too_vague_to_search_around(alice_api, market):
    response = _create(alice_api, location="Germany", radius_km=25)
    assert response.status_code == 400 and "location" in response.json()["errors"]


def test_a_radius_without_a_location_is_a_400_on_radius(alice_api, market):
    response = _create(alice_api, radius_km=25)
    assert response.status_code == 400 and "radius_km" in response.json()["errors"]


def test_changing_the_location_resolves_it_again_and_clearing_it_clears_the_place(alice_api, market):
    search_id = _create(alice_api, location="Berlin", radius_km=30).json()["id"]
    moved = alice_api.patch(f"/api/v1/searches/{search_id}/", {"location": "London, UK"}, format="json")
    assert moved.status_code == 200 and moved.json()["location_name"] == "London, GB"
    bad = alice_api.patch(f"/api/v1/searches/{search_id}/", {"location": "Nowhere-on-sea"}, format="json")
    assert bad.status_code == 400 and "location" in bad.json()["errors"]
    assert Search.objects.get(pk=search_id).location_name == "London, GB"  # the bad change lost nothing
    cleared = alice_api.patch(f"/api/v1/searches/{search_id}/", {"location": "", "radius_km": None}, format="json")
    assert cleared.status_code == 200
    assert (cleared.json()["location_name"], cleared.json()["latitude"]) == ("", None)


def test_another_users_search_cannot_be_moved(alice_api, bob_api, market):
    search_id = _create(alice_api, location="Berlin", radius_km=30).json()["id"]
    assert bob_api.patch(f"/api/v1/searches/{search_id}/", {"location": "Paris"}, format="json").status_code == 404


# --- The distance check of matching ----------------------------------------------------


def _search(location: str = "San Francisco, CA", radius_km: int | None = 50, keep_unknown: bool = True) -> SimpleNamespace:
    fields = geo.location_fields(location, radius_km=radius_km) if location else {}
    return SimpleNamespace(
        query="bike",
        excluded_terms=[],
        min_price=None,
        max_price=None,
        currency="USD",
        condition="any",
        radius_km=radius_km,
        keep_unknown_location=keep_unknown,
        include_shipping=False,
        latitude=fields.get("latitude"),
        longitude=fields.get("longitude"),
        location_country=fields.get("location_country", ""),
    )


def _matches(search: SimpleNamespace, location: str) -> bool:
    place = resolve(location) if location else None
    return listing_matches(
        rules_for(search),
        title="Road bike",
        price=Decimal("100"),
        currency="USD",
        condition="used",
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        country=place.country if place else "",
    )


def test_listings_within_the_radius_match_and_those_beyond_do_not():
    search = _search("San Francisco, CA", 50)
    assert _matches(search, "Oakland, CA")  # 13 km
    assert _matches(search, "Berkeley, CA")  # 16 km
    assert not _matches(search, "San Jose, CA")  # 68 km
    assert not _matches(search, "Brooklyn, NY")
    assert _matches(_search("San Francisco, CA", 80), "San Jose, CA")


def test_listings_without_a_known_place_are_kept_or_dropped_as_the_search_says():
    assert _matches(_search(keep_unknown=True), "")
    assert _matches(_search(keep_unknown=True), "somewhere nice")
    assert not _matches(_search(keep_unknown=False), "")
    assert not _matches(_search(keep_unknown=False), "somewhere nice")


def test_a_listing_that_names_only_another_country_is_outside_a_local_search():
    assert not _matches(_search(radius_km=50), "Ships from China")
    assert _matches(_search(radius_km=50), "United States")  # the search's own country: place unknown, kept
    assert not _matches(_search(radius_km=50, keep_unknown=False), "United States")
    assert _matches(_search(radius_km=5000), "Canada")  # a radius that wide may reach it


def test_without_a_location_or_a_radius_place_does_not_filter():
    assert _matches(_search(location="", radius_km=None), "Brooklyn, NY")
    assert _matches(_search("San Francisco, CA", None), "Brooklyn, NY")


# --- Grouping: the place is part of the ScoutQuery only where the site filters by it -----


def _located(owner, location: str, radius_km: int) -> Search:
    from searches.tests.factories import SearchFactory

    return SearchFactory(owner=owner, query="fujifilm x100v", radius_km=radius_km, **geo.location_fields(location, radius_km=radius_km))


def test_searches_in_different_places_share_a_fetch_only_where_the_site_cannot_filter_by_place(alice):
    from listings.tests.factories import MarketplaceFactory
    from searches.services import group_by_scout_query, scout_query_for

    craigslist = MarketplaceFactory(slug="cl", agent="craigslist")
    shop = MarketplaceFactory(slug="shop", agent="jsonld")
    sf, nyc = _located(alice, "San Francisco, CA", 40), _located(alice, "10001", 40)
    for search in (sf, nyc):
        search.marketplaces.set([craigslist, shop])

    groups = group_by_scout_query([sf.pk, nyc.pk])

    by_market = {}
    for query, ids in groups.items():
        by_market.setdefault(query.marketplace_id, []).append(sorted(ids))
    assert sorted(by_market[shop.pk]) == [sorted([sf.pk, nyc.pk])]  # one fetch for both
    assert sorted(by_market[craigslist.pk]) == sorted([[sf.pk], [nyc.pk]])  # one fetch per place
    assert scout_query_for(nyc, craigslist.pk, "craigslist").postal_code == "10001"
    assert scout_query_for(nyc, shop.pk, "jsonld").postal_code == ""


def test_a_place_without_a_postal_code_is_not_sent_to_sites_that_need_one(alice):
    from searches.services import scout_query_for
    from searches.tests.factories import SearchFactory

    berlin = _located(alice, "Berlin", 30)
    nowhere = SearchFactory(owner=alice, query="fujifilm x100v")
    assert scout_query_for(berlin, 1, "craigslist") == scout_query_for(nowhere, 1, "craigslist")
    ebay = scout_query_for(berlin, 1, "ebay")
    assert (ebay.country, ebay.postal_code, ebay.radius_km) == ("DE", "", None)
    facebook = scout_query_for(berlin, 1, "facebook")
    assert (facebook.city, facebook.radius_km) == ("Berlin", 30)


PLACE_ROW = re.compile(r"^\| `(?P<place>[^`]+)` \| (?P<radius>\d+) km \| (?P<listing>[^|]+?) \| (?P<match>yes|no) \|$", re.MULTILINE)


def test_every_place_example_in_searching_md_matches_as_it_says():
    text = (Path(settings.BASE_DIR) / "docs" / "SEARCHING.md").read_text(encoding="utf-8")
    rows = [row.groupdict() for row in PLACE_ROW.finditer(text)]
    assert len(rows) >= 10 and {"yes", "no"} == {row["match"] for row in rows}
    for row in rows:
        listing = "" if row["listing"].startswith("(") else row["listing"]
        assert _matches(_search(row["place"], int(row["radius"])), listing) is (row["match"] == "yes"), row
