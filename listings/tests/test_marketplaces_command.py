"""``marketplaces presets | list | add | check``: the check fetches through the real client from a local server."""

from __future__ import annotations

import socket
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from listings.catalogue import PRESETS
from listings.models import Listing, Marketplace, ScrapeRun
from listings.tests.conftest import capture


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("marketplaces", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_presets_prints_one_line_each_starting_with_its_name() -> None:
    out, _ = run("presets")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    craigslist = next(line for line in lines if line.startswith("craigslist "))
    assert "city*" in craigslist and "CAD for Canadian cities" in craigslist


@pytest.mark.django_db
def test_add_then_list_shows_the_new_row() -> None:
    out, _ = run("add", "ebay-us")
    assert "Added ebay-us" in out and "marketplaces check ebay-us" in out
    run("add", "craigslist", "--option", "city=vancouver", "--slug", "cl-van")
    out, _ = run("list")
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["slug", "agent", "enabled"]
    assert rows[0].split()[:4] == ["cl-van", "craigslist", "yes", "https://vancouver.craigslist.org"]
    assert rows[1].split()[:4] == ["ebay-us", "ebay", "yes", "https://api.ebay.com"]
    assert "never run" in rows[1]
    assert Marketplace.objects.get(slug="cl-van").default_currency == "CAD"


@pytest.mark.django_db
def test_add_with_a_wrong_option_names_it_and_creates_nothing() -> None:
    with pytest.raises(CommandError, match="does not take option 'town'"):
        run("add", "craigslist", "--option", "town=sfbay")
    with pytest.raises(CommandError, match="exists already"):
        run("add", "ebay-uk")
        run("add", "ebay-uk")
    assert list(Marketplace.objects.values_list("slug", flat=True)) == ["ebay-uk"]


@pytest.mark.django_db
def test_list_on_a_fresh_install_says_how_to_add_one() -> None:
    out, _ = run("list")
    assert "marketplaces add" in out


def _local(slug: str, base_url: str) -> Marketplace:
    """A row made by its preset, pointed at the local server (as a real site is, by URL)."""
    marketplace = Marketplace.objects.get(slug=slug)
    marketplace.base_url = base_url
    marketplace.allow_private_network = True
    marketplace.requests_per_minute = 6000
    marketplace.save()
    return marketplace


def test_check_reads_a_capture_through_the_client_and_prints_status_timings_and_listings(site: Any, clean_cache: None) -> None:
    site.expect_request("/sch/i.html", query_string={"_nkw": "blu-ray", "_sop": "10"}).respond_with_data(
        capture("ebay/ebay_srp_2025-08_uk_bluray_scard.html"), content_type="text/html"
    )
    run("add", "ebay-html-uk")
    marketplace = _local("ebay-html-uk", site.url_for("/").rstrip("/"))

    out, err = run("check", "ebay-html-uk", "--query", "blu-ray")

    assert "Checking ebay-html-uk" in err
    assert "status:      ok (HTTP 200)" in out
    assert "fetch " in out and "parse " in out
    listed = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(listed) == 5 and all("GBP" in line and "/itm/" in line for line in listed)
    assert "60 found" in out
    run_row = ScrapeRun.objects.get(marketplace=marketplace)
    assert (run_row.trigger, run_row.status, run_row.listings_found) == ("check", "ok", 60)
    assert Listing.objects.filter(marketplace=marketplace).count() == 60


def test_check_of_a_shipped_selectors_site_reads_its_capture(site: Any, clean_cache: None) -> None:
    site.expect_request("/list/q-chevrolet/").respond_with_data(
        capture("classifieds/olx_2026-03_uz_chevrolet_lcard.html"), content_type="text/html"
    )
    run("add", "olx-uz")
    _local("olx-uz", site.url_for("/").rstrip("/"))

    out, _ = run("check", "olx-uz", "--query", "chevrolet")

    assert "status:      ok (HTTP 200)" in out
    listed = [line for line in out.splitlines() if line.startswith("  - ")]
    assert listed and all("UZS" in line or "no price" in line for line in listed)


def test_check_of_a_site_answering_429_fails_with_the_status(site: Any, clean_cache: None, sleeps: Any) -> None:
    site.expect_request("/search/sss").respond_with_data("slow down", status=429, headers={"Retry-After": "3600"})
    run("add", "craigslist", "--option", "city=sfbay")
    marketplace = _local("craigslist-sfbay", site.url_for("/").rstrip("/"))

    with pytest.raises(CommandError, match=r"check failed: craigslist-sfbay: rate_limited \(HTTP 429\)"):
        run("check", "craigslist-sfbay")

    assert ScrapeRun.objects.get(marketplace=marketplace).status == "rate_limited"
    assert 3600 not in sleeps.waits  # too long to wait in a check: it says so instead


def test_check_of_a_dead_port_fails_with_http_error(clean_cache: None, sleeps: Any, fast_client_settings: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: connections are refused.
    run("add", "rss", "--option", "url=https://deals.example/feed.xml")
    _local("rss-deals-example", f"http://127.0.0.1:{port}")

    with pytest.raises(CommandError, match="check failed: rss-deals-example: http_error"):
        run("check", "rss-deals-example")

    run_row = ScrapeRun.objects.get(marketplace__slug="rss-deals-example")
    assert (run_row.trigger, run_row.status, run_row.http_status) == ("check", "http_error", None)
    assert run_row.error


@pytest.mark.django_db
def test_check_of_an_unknown_slug_says_where_to_look() -> None:
    with pytest.raises(CommandError, match="no marketplace with slug 'nope'"):
        run("check", "nope")


def test_admin_check_action_reports_each_outcome(staff_client: Any, site: Any, clean_cache: None, sleeps: Any) -> None:
    site.expect_request("/feed.xml").respond_with_data(capture("rss/ours_rss_2026-11.xml"), content_type="application/rss+xml")
    site.expect_request("/search").respond_with_data("gone", status=404)
    run("add", "rss", "--option", "url=https://a.example/feed.xml")
    run("add", "jsonld", "--option", "url=https://b.example/search")
    good = _local("rss-a-example", site.url_for("/").rstrip("/"))
    bad = _local("b-example", site.url_for("/").rstrip("/"))

    response = staff_client.post(
        "/admin/listings/marketplace/", {"action": "check_marketplaces", "_selected_action": [good.pk, bad.pk]}, follow=True
    )

    shown = [(message.level_tag, message.message) for message in response.context["messages"]]
    assert shown[0][0] == "error" and shown[0][1].startswith("Check b-example: http_error (HTTP 404)")
    assert shown[1][0] == "success" and shown[1][1].startswith("Check rss-a-example: ok (HTTP 200), 3 listings")
    assert set(ScrapeRun.objects.values_list("trigger", flat=True)) == {"check"}
