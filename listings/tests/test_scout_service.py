"""marketplace_scout end to end: captures served over HTTP, the real client, the real database."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY

from listings.agents import ScoutQuery
from listings.models import Listing, PriceObservation, ScrapeRun
from listings.services import marketplace_scout
from listings.tests.conftest import capture
from listings.tests.test_agents import MALFORMED

# agent -> (path the agent asks for, capture, listings expected, marketplace fields)
PAGES = {
    "ebay_html": ("/sch/i.html", "ebay/ebay_srp_2025-08_uk_bluray_scard.html", 60, {"default_currency": "GBP"}),
    "craigslist": ("/search/sss", "craigslist/cl_2025-10_sfbay_sss_surfboard_static_prettified.html", 65, {}),
    "facebook": ("/marketplace/nyc/search/", "facebook/fb_mp_search_bike_nyc_2026.html", 6, {"config": {"city": "nyc"}}),
    "jsonld": ("/search", "jsonld/ours_itemlist_2026-11.html", 2, {}),
    "rss": ("/feed.xml", "rss/ours_rss_2026-11.xml", 3, {}),
}


def scout(marketplace: Any, text: str = "bike") -> ScrapeRun:
    return marketplace_scout(query=ScoutQuery(marketplace_id=marketplace.pk, text=text)).run


def scrapes(slug: str, status: str) -> float:
    return REGISTRY.get_sample_value("marketplace_scrapes_total", {"marketplace": slug, "status": status}) or 0.0


@pytest.mark.parametrize("agent", sorted(PAGES))
def test_scout_reads_a_capture_over_http_and_stores_listings_with_prices(agent: str, make_marketplace: Any, site: Any) -> None:
    path, page, expected, fields = PAGES[agent]
    site.expect_request(path).respond_with_data(capture(page), content_type="text/html")
    marketplace = make_marketplace(agent, **fields)
    before = scrapes(marketplace.slug, "ok")

    run = scout(marketplace)

    assert (run.status, run.listings_found, run.listings_created, run.http_status) == ("ok", expected, expected, 200)
    assert Listing.objects.filter(marketplace=marketplace).count() == expected
    priced = Listing.objects.filter(marketplace=marketplace, price__isnull=False).count()
    assert PriceObservation.objects.filter(listing__marketplace=marketplace).count() == priced > 0
    assert scrapes(marketplace.slug, "ok") == before + 1


def test_a_second_scout_records_a_price_change_once(make_marketplace: Any, site: Any) -> None:
    first = capture("rss/ours_rss_2026-11.xml")
    site.expect_oneshot_request("/feed.xml").respond_with_data(first)
    site.expect_request("/feed.xml").respond_with_data(first.replace(b"Nikon F3 body - $450", b"Nikon F3 body - $399"))
    marketplace = make_marketplace("rss")
    scout(marketplace)
    run = scout(marketplace)
    assert (run.status, run.listings_created, run.listings_updated, run.price_changes) == ("ok", 0, 3, 1)
    listing = Listing.objects.get(marketplace=marketplace, external_id="cls-1001")
    assert listing.price == Decimal("399.00")
    assert list(listing.price_history.order_by("observed_at").values_list("price", flat=True)) == [Decimal("450.00"), Decimal("399.00")]


def test_a_304_counts_the_listings_of_the_unchanged_page_as_seen(make_marketplace: Any, site: Any) -> None:
    page = capture("rss/ours_rss_2026-11.xml")
    site.expect_oneshot_request("/feed.xml").respond_with_data(page, headers={"ETag": '"v1"'})
    site.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    marketplace = make_marketplace("rss")
    first = scout(marketplace)
    second = scout(marketplace)
    third = scout(marketplace)
    assert (second.http_status, second.status, second.listings_updated) == (304, "ok", 3)
    assert (third.http_status, third.listings_updated) == (304, 3)
    assert set(Listing.objects.filter(marketplace=marketplace).values_list("last_seen_at", flat=True)) == {third.started_at}
    assert third.started_at > first.started_at
    assert PriceObservation.objects.filter(listing__marketplace=marketplace).count() == 3


@pytest.mark.parametrize("agent", sorted(MALFORMED))
def test_malformed_page_is_a_parse_error_run_with_a_sample_and_nothing_else_written(
    agent: str, make_marketplace: Any, site: Any, settings: Any
) -> None:
    settings.EBAY_CLIENT_ID, settings.EBAY_CLIENT_SECRET = "id", "secret"
    site.expect_request(path_for(agent)).respond_with_data(MALFORMED[agent])
    marketplace = make_marketplace(agent, config={"token_url": site.url_for("/token")})
    site.expect_request("/token").respond_with_json({"access_token": "t", "expires_in": 7200})

    run = scout(marketplace)

    assert run.status == "parse_error"
    assert MALFORMED[agent][:20].decode() in run.error  # the operator sees what the page looked like
    assert Listing.objects.count() == 0 and PriceObservation.objects.count() == 0
    assert ScrapeRun.objects.filter(marketplace=marketplace).count() == 1


def path_for(agent: str) -> str:
    return "/buy/browse/v1/item_summary/search" if agent == "ebay" else PAGES[agent][0]


def test_a_result_page_that_parses_to_nothing_is_a_parse_error_not_empty(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/sch/i.html").respond_with_data(b'<html><body><ul class="srp-results"></ul></body></html>')
    run = scout(make_marketplace("ebay_html"))
    assert run.status == "parse_error"
    assert "markup changed" in run.error


def test_the_site_saying_no_results_is_empty(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/marketplace/nyc/search/").respond_with_data(capture("facebook/fb_mp_search_empty_nyc_2026.html"))
    run = scout(make_marketplace("facebook"))
    assert (run.status, run.listings_found, run.error) == ("empty", 0, "")


def test_a_bot_challenge_is_a_blocked_run(make_marketplace: Any, site: Any) -> None:
    site.expect_request("/sch/i.html").respond_with_data(capture("ebay/ebay_bot_challenge_2026-07.html"))
    run = scout(make_marketplace("ebay_html"))
    assert run.status == "blocked"
    assert "Pardon Our Interruption" in run.error
    assert Listing.objects.count() == 0


def test_robots_disallow_is_a_blocked_run(make_marketplace: Any, site: Any) -> None:
    site.clear()
    site.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /search\n")
    site.expect_request("/search/sss").respond_with_data(capture(PAGES["craigslist"][1]))
    run = scout(make_marketplace("craigslist"))
    assert run.status == "blocked" and "robots.txt" in run.error
    assert all(request.path != "/search/sss" for request, _ in site.log)


def test_429_is_a_rate_limited_run_then_the_breaker_skips(make_marketplace: Any, site: Any, settings: Any) -> None:
    site.expect_request("/feed.xml").respond_with_data("", status=429, headers={"Retry-After": "7200"})
    marketplace = make_marketplace("rss")
    assert scout(marketplace).status == "rate_limited"
    run = scout(marketplace)
    assert run.status == "skipped" and "circuit breaker" in run.error


def test_timeouts_are_timeout_runs(make_marketplace: Any, site: Any, settings: Any, sleeps: Any) -> None:
    import time

    settings.SCOUT_READ_TIMEOUT = 0.2
    settings.SCOUT_MAX_RETRIES = 0
    site.expect_request("/feed.xml").respond_with_handler(lambda request: time.sleep(0.4) or "late")
    run = scout(make_marketplace("rss"))
    assert run.status == "timeout"
    time.sleep(0.3)


def test_a_dead_site_is_an_http_error_run(make_marketplace: Any, sleeps: Any) -> None:
    marketplace = make_marketplace("rss", base_url="http://127.0.0.1:9")  # discard port: nothing listens
    run = scout(marketplace)
    assert run.status == "http_error" and "could not connect" in run.error


def test_a_marketplace_on_a_private_address_without_permission_is_blocked(make_marketplace: Any, site: Any) -> None:
    run = scout(make_marketplace("rss", allow_private_network=False))
    assert run.status == "blocked" and "non-public" in run.error
    assert site.log == []


# --- eBay API: OAuth client credentials -----------------------------------------------


@pytest.fixture
def ebay(make_marketplace: Any, site: Any, settings: Any) -> Any:
    settings.EBAY_CLIENT_ID = "app-id-123"
    settings.EBAY_CLIENT_SECRET = "very-secret-value"
    return make_marketplace("ebay", config={"token_url": site.url_for("/identity/v1/oauth2/token"), "marketplace_id": "EBAY_US"})


def token_requests(site: Any) -> list[Any]:
    return [request for request, _ in site.log if request.path == "/identity/v1/oauth2/token"]


def test_ebay_mints_a_token_with_client_credentials_and_caches_it(ebay: Any, site: Any) -> None:
    site.expect_request("/identity/v1/oauth2/token", method="POST").respond_with_json({"access_token": "tok-1", "expires_in": 7200})
    site.expect_request(
        "/buy/browse/v1/item_summary/search", headers={"Authorization": "Bearer tok-1", "X-EBAY-C-MARKETPLACE-ID": "EBAY_US"}
    ).respond_with_data(capture("ebay/ours_browse_search_2026-11.json"), content_type="application/json")

    first, second = scout(ebay, "fuji x100v"), scout(ebay, "fuji x100v")

    assert (first.status, first.listings_found, second.status) == ("ok", 3, "ok")
    (mint,) = token_requests(site)  # the second scout used the cached token
    expected = base64.b64encode(b"app-id-123:very-secret-value").decode()
    assert mint.headers["Authorization"] == f"Basic {expected}"
    assert mint.form["grant_type"] == "client_credentials"
    search = next(request for request, _ in site.log if request.path.endswith("/search"))
    assert search.args["q"] == "fuji x100v" and search.args["sort"] == "newlyListed"


def test_ebay_refreshes_the_token_once_on_401(ebay: Any, site: Any) -> None:
    site.expect_oneshot_request("/identity/v1/oauth2/token").respond_with_json({"access_token": "stale", "expires_in": 7200})
    site.expect_request("/identity/v1/oauth2/token").respond_with_json({"access_token": "fresh", "expires_in": 7200})
    site.expect_request("/buy/browse/v1/item_summary/search", headers={"Authorization": "Bearer stale"}).respond_with_data(
        json.dumps({"errors": [{"errorId": 1001, "message": "Invalid access token"}]}), status=401
    )
    site.expect_request("/buy/browse/v1/item_summary/search", headers={"Authorization": "Bearer fresh"}).respond_with_data(
        capture("ebay/ours_browse_search_empty_2026-11.json")
    )
    run = scout(ebay)
    assert run.status == "empty"
    assert len(token_requests(site)) == 2


def test_ebay_refused_credentials_skip_the_run_without_leaking_the_secret(ebay: Any, site: Any) -> None:
    site.expect_request("/identity/v1/oauth2/token").respond_with_json({"error": "invalid_client"}, status=401)
    run = scout(ebay)
    assert run.status == "skipped"
    assert "refused the client credentials" in run.error
    assert "very-secret-value" not in run.error and "app-id-123" not in run.error


def test_ebay_without_credentials_is_skipped_with_a_clear_reason(make_marketplace: Any, settings: Any) -> None:
    settings.EBAY_CLIENT_ID = settings.EBAY_CLIENT_SECRET = ""
    run = scout(make_marketplace("ebay"))
    assert run.status == "skipped" and "EBAY_CLIENT_ID" in run.error


def test_the_sandbox_marketplace_is_read_end_to_end(sandbox_marketplace: Any, clean_cache: None) -> None:
    from listings.sandbox import catalogue

    run = marketplace_scout(query=ScoutQuery(marketplace_id=sandbox_marketplace.pk, text="camera")).run
    assert (run.status, run.http_status) == ("ok", 200)
    assert run.listings_found == len(catalogue.search(0, "camera")) > 0


def test_an_agent_that_crashes_on_a_page_gives_a_parse_error_run(make_marketplace: Any, site: Any, monkeypatch: Any) -> None:
    from listings.agents.rss import RssAgent

    def crash(self: Any, body: bytes, ctx: Any) -> Any:
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(RssAgent, "parse", crash)  # stands for a bug in an agent, not the service under test
    site.expect_request("/feed.xml").respond_with_data(capture("rss/ours_rss_2026-11.xml"))
    run = scout(make_marketplace("rss"))
    assert run.status == "parse_error"
    assert "TypeError" in run.error and "<rss" in run.error
    assert Listing.objects.count() == 0


class _Trickle:
    """A marketplace that answers at once, then sends its body one byte at a time."""

    def __init__(self, *, interval: float, body: bytes, protocol: str) -> None:
        import http.server
        import threading

        trickle = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = protocol  # HTTP/1.1: a kept-alive connection; HTTP/1.0: closed after the answer

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path.startswith("/robots.txt"):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                trickle.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if trickle.stop.wait(interval):
                            return
                except OSError:
                    return  # the client hung up: what the deadline is for

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.requests = 0
        self.stop = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=["HTTP/1.0", "HTTP/1.1"])
def trickling_site(request: Any) -> Any:
    # 60 bytes at one every 0.25 s: 15 s to read it all, while no single read waits 0.25 s.
    site = _Trickle(interval=0.25, body=capture("rss/ours_rss_2026-11.xml")[:60], protocol=request.param)
    yield site
    site.close()


def test_a_trickling_marketplace_is_cut_off_at_the_fetch_deadline(make_marketplace: Any, trickling_site: Any, settings: Any) -> None:
    import time

    from listings.http import CircuitBreaker

    settings.SCOUT_READ_TIMEOUT = 1.0  # never trips: a byte comes every 0.25 s
    settings.SCOUT_FETCH_DEADLINE = 1.5
    settings.SCOUT_MAX_RETRIES = 2
    marketplace = make_marketplace("rss", base_url=trickling_site.url)
    started = time.monotonic()
    run = scout(marketplace)
    took = time.monotonic() - started
    assert run.status == "timeout", (run.status, run.error)
    assert "deadline" in run.error
    # The deadline covers the retries too: no second attempt once it has passed.
    assert trickling_site.requests == 1
    assert took < 6, f"the fetch held the worker {took:.1f} s (deadline 1.5 s; the whole body takes 15 s)"
    assert CircuitBreaker(marketplace.slug).state().get("failures") == 1
