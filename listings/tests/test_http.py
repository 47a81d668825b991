"""The polite client against a real local HTTP server (pytest-httpserver).

Waits go through a recorder instead of ``time.sleep``, so a test proves that the
client waited as long as it should without spending that time.
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
from werkzeug import Request, Response

from core.netguard import AddressGuard
from listings.http import FetchError, PoliteClient, SitePolicy
from listings.tests.conftest import SleepRecorder


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(site: Any, clean_cache: None, fast_client_settings: Any, clock: Clock) -> PoliteClient:
    policy = SitePolicy(slug="local", requests_per_minute=6000, base_url=site.url_for("/"), allow_private_network=True)
    return PoliteClient(policy, sleep=SleepRecorder(), clock=clock)


def paths(server: Any) -> list[str]:
    return [request.path for request, _response in server.log]


def test_sends_the_identifiable_user_agent(client: PoliteClient, site: Any, settings: Any) -> None:
    site.expect_request("/search").respond_with_data("ok")
    client.get(site.url_for("/search"), params={"q": "lamy"})
    request = site.log[-1][0]
    assert request.headers["User-Agent"] == settings.SCOUT_USER_AGENT
    assert request.args["q"] == "lamy"


def test_429_with_retry_after_waits_that_long_then_retries(client: PoliteClient, site: Any) -> None:
    site.expect_oneshot_request("/search").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    site.expect_request("/search").respond_with_data("results")
    response = client.get(site.url_for("/search"))
    assert response.body == b"results"
    assert response.attempts == 2
    assert 7.0 in client.sleep.waits


def test_429_asking_for_longer_than_we_may_wait_is_rate_limited_and_keeps_every_worker_away(client: PoliteClient, site: Any) -> None:
    site.expect_request("/search").respond_with_data("slow down", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError) as first:
        client.get(site.url_for("/search"))
    assert (first.value.status, first.value.http_status) == ("rate_limited", 429)
    with pytest.raises(FetchError) as second:
        client.get(site.url_for("/search"))
    assert second.value.status == "skipped"
    assert paths(site).count("/search") == 1


def test_503_with_retry_after_as_http_date_is_honoured(client: PoliteClient, site: Any, clock: Clock) -> None:
    from email.utils import formatdate

    retry_at = formatdate(clock.now + 30, usegmt=True)
    site.expect_oneshot_request("/search").respond_with_data("", status=503, headers={"Retry-After": retry_at})
    site.expect_request("/search").respond_with_data("results")
    assert client.get(site.url_for("/search")).body == b"results"
    assert any(29 <= wait <= 31 for wait in client.sleep.waits)


def test_500_then_200_retries_with_jittered_backoff(client: PoliteClient, site: Any, settings: Any) -> None:
    settings.SCOUT_BACKOFF_BASE = 2.0
    site.expect_oneshot_request("/search").respond_with_data("oops", status=500)
    site.expect_request("/search").respond_with_data("results")
    response = client.get(site.url_for("/search"))
    assert (response.body, response.attempts) == (b"results", 2)
    backoffs = [wait for wait in client.sleep.waits if wait >= 0.5]
    assert len(backoffs) == 1 and 1.0 <= backoffs[0] <= 2.0  # equal jitter: half the delay plus up to half again


def test_500_every_time_gives_up_after_the_retries(client: PoliteClient, site: Any) -> None:
    site.expect_request("/search").respond_with_data("oops", status=500)
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/search"))
    assert (error.value.status, error.value.http_status) == ("http_error", 500)
    assert paths(site).count("/search") == 3  # one try and SCOUT_MAX_RETRIES=2 retries


def test_a_slow_site_times_out(client: PoliteClient, site: Any, settings: Any) -> None:
    settings.SCOUT_READ_TIMEOUT = 0.2
    settings.SCOUT_MAX_RETRIES = 1

    calls = []

    def slow(request: Request) -> Response:
        calls.append(request.path)
        time.sleep(0.3)
        return Response("too late")

    site.expect_request("/search").respond_with_handler(slow)
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/search"))
    assert error.value.status == "timeout"
    time.sleep(0.4)  # the single-threaded server finishes answering the retry
    assert calls == ["/search", "/search"]


def test_robots_txt_disallow_is_blocked_and_the_page_is_never_requested(site: Any, clean_cache: None, clock: Clock) -> None:
    site.clear()
    site.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    site.expect_request("/private/search").respond_with_data("secret")
    site.expect_request("/public").respond_with_data("fine")
    client = PoliteClient(SitePolicy(slug="robots", requests_per_minute=6000, base_url=site.url_for("/"), allow_private_network=True))
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/private/search"))
    assert error.value.status == "blocked"
    assert client.get(site.url_for("/public")).body == b"fine"
    assert "/private/search" not in paths(site)
    assert paths(site).count("/robots.txt") == 1  # cached


def test_missing_robots_txt_allows_everything(site: Any, clean_cache: None) -> None:
    site.clear()
    site.expect_request("/robots.txt").respond_with_data("not found", status=404)
    site.expect_request("/search").respond_with_data("ok")
    client = PoliteClient(SitePolicy(slug="norobots", requests_per_minute=6000, base_url=site.url_for("/"), allow_private_network=True))
    assert client.get(site.url_for("/search")).body == b"ok"


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/admin", "http://10.0.0.8/"])
def test_redirect_to_a_private_address_is_refused_before_connecting(client: PoliteClient, site: Any, target: str) -> None:
    site.expect_request("/search").respond_with_data("", status=302, headers={"Location": target})
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/search"))
    assert error.value.status == "blocked"
    assert "non-public address" in str(error.value)


def test_a_marketplace_not_allowed_on_private_networks_never_reaches_loopback(site: Any, clean_cache: None) -> None:
    site.expect_request("/search").respond_with_data("ok")
    client = PoliteClient(SitePolicy(slug="public-only", base_url=site.url_for("/"), allow_private_network=False))
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/search"))
    assert error.value.status == "blocked"
    assert site.log == []


def test_redirect_within_the_site_is_followed(client: PoliteClient, site: Any) -> None:
    site.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    site.expect_request("/new").respond_with_data("moved here")
    response = client.get(site.url_for("/old"))
    assert (response.body, response.url) == (b"moved here", site.url_for("/new"))


def test_oversized_body_is_refused(client: PoliteClient, site: Any, settings: Any) -> None:
    settings.SCOUT_MAX_BODY_BYTES = 64 * 1024
    site.expect_request("/search").respond_with_data(b"x" * 200_000)
    with pytest.raises(FetchError, match="cap") as error:
        client.get(site.url_for("/search"))
    assert error.value.status == "http_error"


def test_gzip_bomb_stops_at_the_decompressed_cap(client: PoliteClient, site: Any, settings: Any) -> None:
    settings.SCOUT_MAX_BODY_BYTES = 1024 * 1024
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < settings.SCOUT_MAX_BODY_BYTES  # small on the wire
    site.expect_request("/search").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="after decompression"):
        client.get(site.url_for("/search"))


def test_gzip_pages_under_the_cap_are_decompressed(client: PoliteClient, site: Any) -> None:
    site.expect_request("/search").respond_with_data(gzip.compress(b"<html>results</html>"), headers={"Content-Encoding": "gzip"})
    assert client.get(site.url_for("/search")).body == b"<html>results</html>"


def test_conditional_request_sends_the_etag_back_and_reads_304(client: PoliteClient, site: Any) -> None:
    validators = {"ETag": '"abc"', "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT"}
    site.expect_oneshot_request("/search").respond_with_data("v1", headers=validators)
    site.expect_request("/search", headers={"If-None-Match": '"abc"'}).respond_with_data("", status=304)
    first = client.get(site.url_for("/search"))
    assert first.body == b"v1"
    client.validators_keep(first)  # the caller parsed the page: its validators are worth keeping
    second = client.get(site.url_for("/search"))
    assert second.not_modified and second.status_code == 304
    assert site.log[-1][0].headers["If-Modified-Since"] == "Sat, 21 Nov 2026 10:00:00 GMT"


def test_validators_are_not_sent_back_unless_the_caller_keeps_them(client: PoliteClient, site: Any) -> None:
    site.expect_request("/search").respond_with_data("v1", headers={"ETag": '"abc"'})
    client.get(site.url_for("/search"))
    client.get(site.url_for("/search"))
    assert "If-None-Match" not in site.log[-1][0].headers


def test_breaker_opens_after_repeated_failures_then_a_probe_closes_it(client: PoliteClient, site: Any, settings: Any, clock: Clock) -> None:
    settings.SCOUT_MAX_RETRIES = 0
    site.expect_oneshot_request("/search").respond_with_data("down", status=502)
    site.expect_oneshot_request("/search").respond_with_data("down", status=502)
    site.expect_oneshot_request("/search").respond_with_data("down", status=502)
    for _ in range(3):
        with pytest.raises(FetchError, match="HTTP 502"):
            client.get(site.url_for("/search"))
    with pytest.raises(FetchError) as skipped:
        client.get(site.url_for("/search"))
    assert skipped.value.status == "skipped"
    assert paths(site).count("/search") == 3

    clock.now += settings.SCOUT_BREAKER_COOLDOWN + 1  # cool-down over: half-open, one probe
    site.expect_request("/search").respond_with_data("back")
    assert client.get(site.url_for("/search")).body == b"back"
    assert client.get(site.url_for("/search")).body == b"back"  # closed again
    assert client.breaker.state()["failures"] == 0


def test_a_failed_probe_opens_the_breaker_for_another_cool_down(client: PoliteClient, site: Any, settings: Any, clock: Clock) -> None:
    settings.SCOUT_MAX_RETRIES = 0
    site.expect_request("/search").respond_with_data("down", status=500)
    for _ in range(3):
        with pytest.raises(FetchError):
            client.get(site.url_for("/search"))
    clock.now += settings.SCOUT_BREAKER_COOLDOWN + 1
    with pytest.raises(FetchError, match="HTTP 500"):
        client.get(site.url_for("/search"))  # the probe
    with pytest.raises(FetchError) as error:
        client.get(site.url_for("/search"))
    assert error.value.status == "skipped"
    assert paths(site).count("/search") == 4


class BrokenCache:
    """A cache whose server is down: every call raises, as django-redis does."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Redis is down")

        return fail


def test_a_broken_cache_degrades_to_a_local_rate_limit_and_the_fetch_still_works(site: Any, db: None, caplog: Any) -> None:
    site.expect_request("/search").respond_with_data("ok")
    sleeps = SleepRecorder()
    policy = SitePolicy(slug="nocache", requests_per_minute=60, base_url=site.url_for("/"), allow_private_network=True)
    client = PoliteClient(policy, sleep=sleeps, cache=BrokenCache())
    assert client.get(site.url_for("/search")).body == b"ok"
    assert client.get(site.url_for("/search")).body == b"ok"
    assert "scout_cache_unavailable" in caplog.text
    assert any(wait > 0.5 for wait in sleeps.waits)  # still one request a second, counted in this process


def test_credentials_are_not_sent_to_the_host_a_redirect_points_at(site: Any, clean_cache: None) -> None:
    from pytest_httpserver import HTTPServer

    other = HTTPServer(host="127.0.0.1")
    other.start()
    try:
        other.expect_request("/landing").respond_with_data("landed")
        site.expect_request("/api").respond_with_data("", status=302, headers={"Location": other.url_for("/landing")})
        policy = SitePolicy(slug="redir", requests_per_minute=6000, base_url=site.url_for("/"), allow_private_network=True)
        # Both servers are on loopback: let the guard pass every address, so the other
        # server can play a public host that the redirect sends us to.
        client = PoliteClient(policy, sleep=SleepRecorder(), guard=AddressGuard(allow_private=True))
        response = client.get(site.url_for("/api"), headers={"Authorization": "Bearer secret-token", "X-Keep": "yes"})
        assert response.body == b"landed"
        landed = other.log[0][0]
        assert "Authorization" not in landed.headers
        assert landed.headers["X-Keep"] == "yes"
    finally:
        other.stop()
