"""Operator console for marketplaces and listings: enable/disable, read-only payloads, health page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Marketplace
from listings.tests.factories import ListingFactory, MarketplaceFactory, PriceObservationFactory, ScrapeRunFactory

pytestmark = pytest.mark.django_db


def test_disable_and_enable_marketplaces(staff_client, market):
    other = MarketplaceFactory(slug="other")
    url = "/admin/listings/marketplace/"
    response = staff_client.post(url, {"action": "disable_marketplaces", "_selected_action": [market.pk, other.pk]}, follow=True)
    assert "2 marketplace(s) disabled." in response.content.decode()
    assert not Marketplace.objects.filter(enabled=True).exists()
    staff_client.post(url, {"action": "enable_marketplaces", "_selected_action": [market.pk]})
    assert list(Marketplace.objects.filter(enabled=True)) == [market]


def test_listing_page_keeps_the_raw_payload_read_only_and_shows_price_history(staff_client, market):
    listing = ListingFactory(marketplace=market, raw={"seen": "as-scraped-payload"})
    PriceObservationFactory(listing=listing, price="321.00")
    html = staff_client.get(f"/admin/listings/listing/{listing.pk}/change/").content.decode()
    assert "as-scraped-payload" in html
    assert 'name="raw"' not in html  # shown, not editable
    assert "321.00" in html


def test_health_page_shows_last_run_last_error_failures_and_queue_depth(staff_client, market, task_queue):
    now = timezone.now()
    ScrapeRunFactory(marketplace=market, status="ok", started_at=now - timedelta(minutes=30))
    ScrapeRunFactory(marketplace=market, status="blocked", started_at=now - timedelta(minutes=5), error="captcha page served")
    ScrapeRunFactory(marketplace=market, status="timeout", started_at=now - timedelta(hours=2), error="old failure")
    from django_q.tasks import async_task

    async_task("searches.tasks.dispatch_due")
    response = staff_client.get("/admin/listings/scraperun/health/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="failures-last-hour">1<' in html
    assert 'id="queue-depth">1<' in html
    assert "captcha page served" in html and "old failure" not in html
    assert 'class="unhealthy" data-slug="sandbox"' in html


def test_health_page_needs_staff(client, alice):
    client.force_login(alice)
    assert client.get("/admin/listings/scraperun/health/").status_code == 302


def test_admin_index_links_to_the_health_page(staff_client):
    assert "/admin/listings/scraperun/health/" in staff_client.get("/admin/").content.decode()
