"""The loop end to end on the sandbox shop: scout, upsert, match, alert, e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from alerts.models import Alert
from alerts.services import alerts_process
from listings.models import Listing, PriceObservation, ScrapeRun
from listings.sandbox import catalogue
from searches import scoring
from searches.models import Match
from searches.services import scout_group_run, scout_query_for
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


def skus_dropping(query: str) -> set[str]:
    """The shop's items for ``query`` whose price the sandbox cuts over time."""
    return {item.sku for item in catalogue.search(0, query) if int(item.sku.removeprefix("SBX-")) % 3 == 0}


def run_scout(search, marketplace):  # noqa: ANN001, ANN201
    return scout_group_run(query=scout_query_for(search, marketplace.pk, marketplace.agent), search_ids=[search.pk])


def test_scouting_the_same_page_twice_creates_no_duplicates(sandbox_marketplace) -> None:
    search = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace])
    first = run_scout(search, sandbox_marketplace)
    second = run_scout(search, sandbox_marketplace)
    assert first.outcome.run.status == ScrapeRun.Status.OK
    assert first.outcome.run.listings_created == first.outcome.run.listings_found > 0
    assert second.outcome.run.listings_created == 0
    assert Listing.objects.count() == first.outcome.run.listings_found
    assert Match.objects.filter(search=search).count() == first.outcome.run.listings_found
    assert PriceObservation.objects.count() == Listing.objects.count()


def test_a_listing_seen_again_updates_last_seen(sandbox_marketplace, sandbox_clock) -> None:
    search = SearchFactory(query="canon lens", marketplaces=[sandbox_marketplace])
    run_scout(search, sandbox_marketplace)
    before = Listing.objects.get(external_id="SBX-00008").last_seen_at
    run_scout(search, sandbox_marketplace)
    assert Listing.objects.get(external_id="SBX-00008").last_seen_at > before


def test_a_changed_price_adds_one_price_observation(sandbox_marketplace, sandbox_clock) -> None:
    search = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace])
    run_scout(search, sandbox_marketplace)
    listing = Listing.objects.get(external_id="SBX-00000")  # index 0: its price drops over time
    old_price = listing.price
    sandbox_clock.advance(catalogue.PRICE_DROP_EVERY + 1)
    result = run_scout(search, sandbox_marketplace)
    listing.refresh_from_db()
    assert listing.price < old_price
    assert list(listing.price_history.order_by("observed_at").values_list("price", flat=True)) == [old_price, listing.price]
    assert result.outcome.run.price_changes >= 1


def test_a_new_match_creates_one_alert_and_one_email(sandbox_marketplace) -> None:
    search = SearchFactory(query="canon lens", max_price=Decimal("120"), marketplaces=[sandbox_marketplace])
    expected = [item for item in catalogue.search(0, "canon lens") if item.price <= 120]
    assert len(expected) == 1, "the catalogue changed: pick a query with one match under the bound"
    run_scout(search, sandbox_marketplace)
    run_scout(search, sandbox_marketplace)
    alert = Alert.objects.get(search=search)
    assert alert.kind == Alert.Kind.NEW
    alerts_process(alert_ids=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT
    assert len(mail.outbox) == 1
    assert "Canon EF 50mm" in mail.outbox[0].subject
    assert alert.listing.url in mail.outbox[0].body
    assert mail.outbox[0].to == [search.owner.email]


def test_a_price_drop_beyond_the_threshold_alerts_once(sandbox_marketplace, sandbox_clock) -> None:
    search = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace], price_drop_percent=Decimal("5"))
    run_scout(search, sandbox_marketplace)
    sandbox_clock.advance(catalogue.PRICE_DROP_EVERY + 1)  # an 8% cut on every third item
    run_scout(search, sandbox_marketplace)
    run_scout(search, sandbox_marketplace)
    drops = Alert.objects.filter(search=search, kind=Alert.Kind.PRICE_DROP)
    assert set(drops.values_list("listing__external_id", flat=True)) == skus_dropping("fujifilm x100v")
    assert drops.count() == len(skus_dropping("fujifilm x100v"))


def test_a_price_drop_below_the_threshold_does_not_alert(sandbox_marketplace, sandbox_clock) -> None:
    search = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace], price_drop_percent=Decimal("10"))
    run_scout(search, sandbox_marketplace)
    sandbox_clock.advance(catalogue.PRICE_DROP_EVERY + 1)  # 8% < 10%
    run_scout(search, sandbox_marketplace)
    assert not Alert.objects.filter(kind=Alert.Kind.PRICE_DROP).exists()
    sandbox_clock.advance(catalogue.PRICE_DROP_EVERY)  # 8% twice from the matched price: 15.4%
    run_scout(search, sandbox_marketplace)
    assert Alert.objects.filter(kind=Alert.Kind.PRICE_DROP).count() == len(skus_dropping("fujifilm x100v"))


def test_new_matches_get_a_deal_score_from_comparables_in_their_condition(sandbox_marketplace, sandbox_clock) -> None:
    sandbox_clock.advance(catalogue.NEW_ITEM_EVERY * 60)  # a fuller shelf: enough comparables per condition
    search = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace])
    run_scout(search, sandbox_marketplace)
    matches = list(Match.objects.filter(search=search).select_related("listing"))
    scored = [match for match in matches if match.deal_score is not None]
    assert scored, "no match was scored"
    for match in scored:
        assert "comparable listings" in match.score_explanation
        assert match.score_confidence in ("high", "medium", "low")
        assert match.comparables_count >= 5
    # A match without a score has fewer than five other matches in its condition class.
    for match in matches:
        if match.deal_score is None:
            same_class = [
                other
                for other in matches
                if other.pk != match.pk and scoring.conditions_compare(other.listing.condition, match.listing.condition)
            ]
            assert len(same_class) < scoring.MIN_COMPARABLES


def test_a_malformed_page_is_a_parse_error_that_writes_nothing_and_the_next_round_works(site, make_marketplace) -> None:  # noqa: ANN001
    httpserver = site
    shop = make_marketplace("jsonld", slug="flaky")
    search = SearchFactory(query="fujifilm x100v", marketplaces=[shop])
    broken = '<html><head><script type="application/ld+json">{"@type": "ItemList", "itemListElement": [</script></head></html>'
    httpserver.expect_oneshot_request("/search").respond_with_data(broken, content_type="text/html")
    result = run_scout(search, shop)
    assert result.outcome.run.status == ScrapeRun.Status.PARSE_ERROR
    assert "malformed JSON-LD" in result.outcome.run.error
    assert Listing.objects.count() == Match.objects.count() == Alert.objects.count() == 0

    good = (
        '<html><head><script type="application/ld+json">{"@type": "ItemList", "itemListElement": ['
        '{"@type": "Product", "name": "Fujifilm X100V", "sku": "X1", "url": "/item/X1",'
        ' "offers": {"@type": "Offer", "price": "850.00", "priceCurrency": "USD"}}]}</script></head></html>'
    )
    httpserver.expect_oneshot_request("/search").respond_with_data(good, content_type="text/html")
    result = run_scout(search, shop)
    assert result.outcome.run.status == ScrapeRun.Status.OK
    assert Listing.objects.get().price == Decimal("850.00")
    assert Alert.objects.count() == 1
    assert list(ScrapeRun.objects.order_by("pk").values_list("status", flat=True)) == ["parse_error", "ok"]


def test_a_dead_marketplace_is_a_failed_run_not_an_exception(settings, make_marketplace) -> None:  # noqa: ANN001
    settings.SCOUT_MAX_RETRIES = 0
    shop = make_marketplace("jsonld", slug="dead", base_url="http://127.0.0.1:9")
    search = SearchFactory(marketplaces=[shop])
    result = run_scout(search, shop)
    assert result.outcome.run.status == ScrapeRun.Status.HTTP_ERROR
    assert Listing.objects.count() == 0


def test_a_search_with_a_place_and_radius_keeps_only_the_shops_listings_within_it(sandbox_marketplace, sandbox_clock) -> None:
    from searches import geo
    from searches.services import group_by_scout_query

    sandbox_clock.advance(catalogue.NEW_ITEM_EVERY * 30)  # listings in Oakland, Berkeley and San Jose (68 km away)
    near = SearchFactory(
        query="fujifilm x100v", marketplaces=[sandbox_marketplace], radius_km=50, **geo.location_fields("San Francisco, CA", radius_km=50)
    )
    anywhere = SearchFactory(query="fujifilm x100v", marketplaces=[sandbox_marketplace])
    groups = group_by_scout_query([near.pk, anywhere.pk])
    assert [sorted(ids) for ids in groups.values()] == [sorted([near.pk, anywhere.pk])]  # the shop cannot filter by place: one fetch

    (query,) = groups
    scout_group_run(query=query, search_ids=[near.pk, anywhere.pk])

    on_sale = {item.sku: item.city for item in catalogue.search(sandbox_clock.now, "fujifilm x100v")}
    assert {"San Jose, CA", "Oakland, CA", "Berkeley, CA"} <= set(on_sale.values()), "the catalogue changed: pick another moment"
    near_skus = set(Match.objects.filter(search=near).values_list("listing__external_id", flat=True))
    assert near_skus == {sku for sku, city in on_sale.items() if city in ("Oakland, CA", "Berkeley, CA")}
    assert set(Match.objects.filter(search=anywhere).values_list("listing__external_id", flat=True)) == set(on_sale)
    for explanation in Match.objects.filter(search=near).values_list("match_explanation", flat=True):
        assert explanation.endswith(("13 km away", "17 km away")), explanation  # Oakland, Berkeley


def test_fuji_x100v_matches_every_fujifilm_x100v_of_the_sandbox(sandbox_marketplace) -> None:
    """The demo's promise: "fuji" meets "Fujifilm" through the shipped aliases, through the real loop."""
    search = SearchFactory(query="fuji x100v", marketplaces=[sandbox_marketplace])
    result = run_scout(search, sandbox_marketplace)
    assert result.outcome.run.status == ScrapeRun.Status.OK
    x100v = {item.sku for item in catalogue.visible_items(0) if "Fujifilm X100V" in item.title}
    assert x100v, "the catalogue changed: it has no Fujifilm X100V any more"
    matched = set(Match.objects.filter(search=search).values_list("listing__external_id", flat=True))
    assert matched == x100v


def test_a_search_does_not_match_accessories_unless_it_wants_them(sandbox_marketplace) -> None:
    """A console sold with a broken screen is parts: only the search that wants parts matches it."""
    working = SearchFactory(query="nintendo switch oled", marketplaces=[sandbox_marketplace])
    anything = SearchFactory(query="nintendo switch oled", include_accessories=True, marketplaces=[sandbox_marketplace])
    scout_group_run(query=scout_query_for(working, sandbox_marketplace.pk, sandbox_marketplace.agent), search_ids=[working.pk, anything.pk])
    broken = {item.sku for item in catalogue.visible_items(0) if "broken" in item.title}
    assert broken
    assert not broken & set(Match.objects.filter(search=working).values_list("listing__external_id", flat=True))
    assert broken <= set(Match.objects.filter(search=anything).values_list("listing__external_id", flat=True))


def test_each_match_keeps_why_it_matched(sandbox_marketplace, alice_api, alice) -> None:
    search = SearchFactory(owner=alice, query="fuji x100v", marketplaces=[sandbox_marketplace])
    run_scout(search, sandbox_marketplace)
    match = Match.objects.filter(search=search).first()
    assert match is not None
    assert match.match_explanation.startswith("matched 'fuji'≈'Fujifilm' (alias), 'x100v'")
    detail = alice_api.get(f"/api/v1/listings/{match.pk}/")
    assert detail.status_code == 200 and detail.json()["match_explanation"] == match.match_explanation
