"""From a listing on a marketplace to the SMTP server: once, once more on a real drop, never for a wobble."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from accounts.tests.factories import PreferencesFactory, UserFactory
from alerts.models import Alert
from alerts.services import SWEEP_GRACE, alerts_deliver_due
from listings.sandbox import catalogue
from searches.models import Match
from searches.services import scout_group_run, scout_query_for
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db

NEW_SKU = "SBX-00024"  # the first item listed after opening: a Fujifilm X100V, every third item gets price cuts


@pytest.fixture
def scout(q_sync, django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """One scout run as a worker does it; the alert task it queues on commit runs at once (django-q2 sync mode)."""

    def run(search, marketplace) -> int:  # noqa: ANN001
        with django_capture_on_commit_callbacks(execute=True) as queued:
            scout_group_run(query=scout_query_for(search, marketplace.pk, marketplace.agent), search_ids=[search.pk])
        return len(queued)

    return run


def dispatch() -> None:
    """The minute sweep, a minute later: digests, retries, and any alert whose task was lost."""
    alerts_deliver_due(now=timezone.now() + SWEEP_GRACE)


def mails_about(smtp_server, sku: str) -> list:  # noqa: ANN001
    return [message for message in smtp_server.messages if f"/item/{sku}" in message.get_body(preferencelist=("plain",)).get_content()]


def test_sandbox_listing_reaches_smtp_once_then_once_more_on_a_price_drop(sandbox_marketplace, sandbox_clock, smtp_server, scout) -> None:  # noqa: ANN001
    assert catalogue.item_at(24, 0) is None and "X100V" in catalogue.item_at(24, 20).title
    user = UserFactory()
    PreferencesFactory(user=user, hourly_cap=100)
    search = SearchFactory(owner=user, query="fujifilm x100v")
    search.marketplaces.add(sandbox_marketplace)
    scout(search, sandbox_marketplace)  # the shelf as it opens: alerts for what is there already
    before = len(smtp_server.messages)
    assert before > 0 and not mails_about(smtp_server, NEW_SKU)

    sandbox_clock.advance(20)  # the new listing appears
    assert scout(search, sandbox_marketplace) == 1
    assert scout(search, sandbox_marketplace) == 0  # the second run finds nothing new to queue
    dispatch()
    dispatch()
    assert len(mails_about(smtp_server, NEW_SKU)) == 1
    assert len(smtp_server.messages) == before + 1
    assert Alert.objects.filter(listing__external_id=NEW_SKU).count() == 1

    sandbox_clock.advance(45)  # first 8% price cut
    scout(search, sandbox_marketplace)
    scout(search, sandbox_marketplace)
    dispatch()
    dispatch()
    about = mails_about(smtp_server, NEW_SKU)
    assert len(about) == 2
    dropped = catalogue.item_at(24, 65).price
    assert about[1]["Subject"].startswith("Price drop:") and f"{dropped}.00 USD" in about[1]["Subject"]


@pytest.fixture
def wobbly_shop(site, make_marketplace):  # noqa: ANN001, ANN201
    httpserver = site
    """A JSON-LD shop on loopback whose one listing's price the test sets before each scout."""
    state = {"price": "100.00"}

    def page(request: Request) -> Response:
        product = {
            "@context": "https://schema.org",
            "@type": "Product",
            "sku": "WOB-1",
            "name": "Trek FX 3 road bike",
            "url": httpserver.url_for("/item/WOB-1"),
            "offers": {"@type": "Offer", "price": state["price"], "priceCurrency": "USD"},
        }
        body = f'<html><head><script type="application/ld+json">{json.dumps(product)}</script></head><body></body></html>'
        return Response(body, content_type="text/html")

    httpserver.expect_request("/search").respond_with_handler(page)
    marketplace = make_marketplace("jsonld", slug="wobbly", name="Wobbly")
    return marketplace, state


def test_price_wobbling_around_the_threshold_alerts_only_on_real_drops(wobbly_shop, smtp_server, scout) -> None:  # noqa: ANN001
    marketplace, state = wobbly_shop
    search = SearchFactory(query="trek fx", price_drop_percent=Decimal("5.00"))
    search.marketplaces.add(marketplace)
    subjects = []
    for price in ["100.00", "96.00", "99.00", "94.00", "95.50", "93.00", "94.50", "89.30", "90.00", "89.30"]:
        state["price"] = price
        scout(search, marketplace)
        dispatch()
        subjects = [message["Subject"] for message in smtp_server.messages]
    # 100 new; 96 is 4% below 100; 94 is 6% below 100 (alert, new reference 94);
    # 93 is 1% below 94; 89.30 is exactly 5% below 94 (alert); back to 90 and down to 89.30 again is no new low.
    assert [subject.split(": ", 1)[0] + " " + subject.rsplit(" - ", 1)[1] for subject in subjects] == [
        "New match 100.00 USD",
        "Price drop 94.00 USD",
        "Price drop 89.30 USD",
    ]
    assert Match.objects.get(search=search).reference_price == Decimal("89.30")
