"""Each page and form of the web app through Django's test client (fast; the browser test is slow)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD
from alerts.models import NotificationChannel
from alerts.tests.factories import AlertFactory
from listings.tests.factories import ListingFactory
from searches.models import Match, Search
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/searches/", "/searches/new/", "/alerts/", "/settings/", "/account/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_ask_a_stranger_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_the_owner(web, deals, path):
    response = web.get(path)
    assert response.status_code == 200
    assert b"<h1>" in response.content


def test_health_and_api_keep_their_addresses(client, db):
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/searches/").status_code == 401


# --- signing up and in -----------------------------------------------------------------


def test_signup_creates_the_account_and_signs_in(client, db):
    response = client.post("/signup/", {"email": "New@Example.com", "password": PASSWORD, "name": "New", "timezone": "Europe/Berlin"})
    assert response.status_code == 302 and response["Location"] == "/searches/new/"
    user = User.objects.get(email="new@example.com")
    assert user.timezone == "Europe/Berlin"
    assert client.get("/").context["user"] == user


def test_signup_refuses_a_taken_address_and_a_weak_password(client, alice):
    taken = client.post("/signup/", {"email": alice.email, "password": PASSWORD, "timezone": "UTC"})
    assert taken.status_code == 400
    assert "already exists" in taken.content.decode()
    weak = client.post("/signup/", {"email": "weak@example.com", "password": "123", "timezone": "UTC"})
    assert weak.status_code == 400
    assert "too short" in weak.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()


def test_login_and_logout(client, alice):
    response = client.post("/login/", {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/logout/").status_code == 200  # GET only asks
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_login_is_locked_after_the_failed_attempts_the_api_allows(client, alice, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        assert client.post("/login/", {"username": alice.email, "password": "wrong"}).status_code == 400
    locked = client.post("/login/", {"username": alice.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # The API counts the same failures: its login is locked too.
    assert client.post("/api/v1/auth/login", {"email": alice.email, "password": PASSWORD}).status_code == 429


def test_password_reset_by_email(client, alice):
    response = client.post("/password-reset/", {"email": alice.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-brand-new-passphrase-9", "new_password2": "a-brand-new-passphrase-9"}
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase-9")


def test_email_change_waits_for_the_link_to_the_new_address(web, alice):
    response = web.post("/settings/email/", {"new_email": "alice.new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["alice.new@example.com"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # not yet
    link = re.search(r"http://testserver(/email/confirm/\S+/)", mail.outbox[-1].body).group(1)
    assert Client().get(link).status_code == 200  # a mail scanner opening the link changes nothing
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert Client().post(link).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    assert Client().post(link).status_code == 400  # used up


def test_email_change_needs_the_password(web, alice):
    response = web.post("/settings/email/", {"new_email": "x@example.com", "password": "wrong"})
    assert response.status_code == 400
    assert "Wrong password" in response.content.decode()
    assert not mail.outbox


# --- deals -----------------------------------------------------------------------------


def test_deals_best_first_with_score_and_sentence(web, deals):
    response = web.get("/")
    matches = response.context["matches"]
    assert matches[0] == deals["best"]
    assert [m.deal_score for m in matches] == sorted((m.deal_score for m in matches), reverse=True)
    body = response.content.decode()
    assert deals["best"].score_explanation in body
    assert f'href="/listings/{deals["best"].listing_id}/"' in body
    assert 'class="mini-market"' in body  # where the price sits among the comparables


def test_deals_filters(web, deals, alice):
    other_market_listing = ListingFactory(title="ThinkPad elsewhere", price=Decimal("100"))
    MatchFactory(search=deals["search"], listing=other_market_listing, deal_score=None)
    assert len(web.get("/", {"marketplace": "sandbox"}).context["matches"]) == 6
    assert len(web.get("/", {"min_deal_score": "10"}).context["matches"]) == 1
    assert len(web.get("/", {"max_price": "399"}).context["matches"]) == 3
    Match.objects.filter(pk=deals["matches"][0].pk).update(saved=True)
    assert [m.pk for m in web.get("/", {"saved": "true"}).context["matches"]] == [deals["matches"][0].pk]
    bad = web.get("/", {"min_price": "-5"})
    assert bad.status_code == 200 and bad.context["errors"]


def test_deals_filter_by_htmx_returns_only_the_list(web, deals):
    response = web.get("/", {"min_deal_score": "10"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="deal-list")
    body = response.content.decode()
    assert "<html" not in body and "ThinkPad X1 Carbon unit 5" in body


def test_save_and_dismiss(web, deals):
    match = deals["matches"][0]
    saved = web.post(f"/deals/{match.pk}/save/", {"saved": "true"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and 'aria-pressed="true"' in saved.content.decode()
    match.refresh_from_db()
    assert match.saved
    gone = web.post(f"/deals/{match.pk}/dismiss/", HTTP_HX_REQUEST="true")
    assert gone.status_code == 200 and gone.content == b""
    match.refresh_from_db()
    assert match.dismissed
    assert match not in web.get("/").context["matches"]
    # Without htmx the same forms work with a redirect.
    other = deals["matches"][1]
    assert web.post(f"/deals/{other.pk}/dismiss/").status_code == 302


# --- searches --------------------------------------------------------------------------


def _search_form(market, **changes):
    data = {
        "name": "Fuji",
        "query": "fujifilm x100v",
        "excluded_terms": "broken, parts",
        "marketplaces": [market.pk],
        "max_price": "900",
        "currency": "USD",
        "condition": "any",
        "interval_minutes": "15",
        "alert_on_new": "on",
        "price_drop_percent": "5",
    }
    data.update(changes)
    return data


def test_create_a_search_runs_it_at_once(web, alice, market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = web.post("/searches/new/", _search_form(market))
    search = Search.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == f"/searches/{search.pk}/"
    assert search.excluded_terms == ["broken", "parts"] and search.max_price == Decimal("900")
    assert list(search.marketplaces.all()) == [market]
    assert len(callbacks) == 1  # the scout of "run now", queued after commit


def test_search_form_shows_the_service_errors_on_their_fields(web, alice, market):
    response = web.post("/searches/new/", _search_form(market, min_price="950"))
    assert response.status_code == 400
    assert response.context["form"].errors["min_price"] == ["must not exceed max_price"]
    assert not Search.objects.filter(owner=alice).exists()


def test_edit_pause_resume_run_delete(web, deals, market, task_queue):
    search = deals["search"]
    assert web.post(f"/searches/{search.pk}/", _search_form(market, name="Renamed")).status_code == 302
    search.refresh_from_db()
    assert search.name == "Renamed"
    web.post(f"/searches/{search.pk}/pause/")
    search.refresh_from_db()
    assert not search.is_active
    refused = web.post(f"/searches/{search.pk}/run/", follow=True)
    assert "paused" in refused.content.decode()
    web.post(f"/searches/{search.pk}/resume/")
    search.refresh_from_db()
    assert search.is_active
    web.post(f"/searches/{search.pk}/delete/")
    assert not Search.objects.filter(pk=search.pk).exists()


def test_preview_counts_what_the_form_would_match(web, market):
    ListingFactory(marketplace=market, title="Fujifilm X100V silver", price=Decimal("850"))
    ListingFactory(marketplace=market, title="Fujifilm X100V broken", price=Decimal("300"))
    ListingFactory(marketplace=market, title="Fujifilm X100V mint", price=Decimal("1200"))
    response = web.post("/searches/preview/", _search_form(market), HTTP_HX_REQUEST="true")
    preview = response.context["preview"]
    assert preview.matching == 1
    assert preview.examples[0].title == "Fujifilm X100V silver"
    body = response.content.decode()
    assert "Why:" in body and "Almost matched" in body  # the dear one and the broken one, with why not
    incomplete = web.post("/searches/preview/", {"name": ""}, HTTP_HX_REQUEST="true")
    assert "Fill in" in incomplete.content.decode()


def test_preview_of_a_query_that_does_not_parse_says_why(web, market):
    response = web.post("/searches/preview/", _search_form(market, query='"fujifilm x100v'), HTTP_HX_REQUEST="true")
    assert 'role="alert"' in response.content.decode()


# --- a listing -------------------------------------------------------------------------


def test_listing_page_has_both_charts(web, deals):
    best = deals["best"]
    response = web.get(f"/listings/{best.listing_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="price-history-chart"' in body
    assert "comparables-chart" in body and 'class="this"' in body
    chart = response.context["verdicts"][0]["chart"]
    assert len(chart.dots) == 5  # the other five comparables; this listing is the marker
    assert chart.marker_x is not None and chart.marker_x < chart.median_x  # cheaper than the median
    history = response.context["history_chart"]
    assert [dot.price for dot in history.dots] == [Decimal("320"), Decimal("250")]


def test_listing_page_of_a_dismissed_match_still_opens(web, deals):
    match = deals["matches"][0]
    Match.objects.filter(pk=match.pk).update(dismissed=True)
    response = web.get(f"/listings/{match.listing_id}/")
    assert response.status_code == 200 and "(dismissed)" in response.content.decode()


# --- alerts ----------------------------------------------------------------------------


def test_alerts_inbox_and_mark_read(web, deals):
    alert = AlertFactory(search=deals["search"], listing=deals["best"].listing)
    response = web.get("/alerts/")
    assert alert in response.context["alerts"] and response.context["unread_alerts"] == 1
    row = web.post(f"/alerts/{alert.pk}/read/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and "Mark read" not in row.content.decode()
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert list(web.get("/alerts/", {"show": "unread"}).context["alerts"]) == []


# --- settings --------------------------------------------------------------------------


def _prefs(**changes):
    data = {
        "frequency": "daily",
        "email_enabled": "on",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00",
        "timezone": "Europe/Paris",
        "hourly_cap": "7",
    }
    data.update(changes)
    return data


def test_preferences_are_saved(web, alice):
    assert web.post("/settings/", _prefs()).status_code == 302
    alice.refresh_from_db()
    prefs = alice.notification_preferences
    assert (prefs.frequency, prefs.hourly_cap, str(prefs.quiet_hours_start), alice.timezone) == ("daily", 7, "22:00:00", "Europe/Paris")


def test_preferences_refused_by_the_service_say_why(web, alice):
    response = web.post("/settings/", _prefs(quiet_hours_end=""))
    assert response.status_code == 400
    assert "Quiet hours need both a start and an end." in response.content.decode()
    response = web.post("/settings/", _prefs(hourly_cap="0"))
    assert response.status_code == 400


def test_channels_add_test_toggle_remove(web, alice, settings, httpserver):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    added = web.post("/settings/channels/", {"kind": "webhook", "label": "home", "url": httpserver.url_for("/hook")}, follow=True)
    assert "signing secret, shown this once" in added.content.decode()
    channel = NotificationChannel.objects.get(user=alice, kind="webhook")
    result = web.post(f"/settings/channels/{channel.pk}/test/", HTTP_HX_REQUEST="true")
    assert "Sent." in result.content.decode()
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["items"][0]["listing"]["title"] == "Test alert from Deal Scout"
    web.post(f"/settings/channels/{channel.pk}/toggle/")
    channel.refresh_from_db()
    assert not channel.enabled
    web.post(f"/settings/channels/{channel.pk}/delete/")
    assert not NotificationChannel.objects.filter(pk=channel.pk).exists()


def test_email_channel_test_sends_a_mail_and_cannot_be_removed(web, alice):
    web.get("/settings/")  # makes the account's e-mail channel
    channel = NotificationChannel.objects.get(user=alice, kind="email")
    web.post(f"/settings/channels/{channel.pk}/test/")
    assert mail.outbox[-1].to == [alice.email] and "Test alert from Deal Scout" in mail.outbox[-1].body
    refused = web.post(f"/settings/channels/{channel.pk}/delete/", follow=True)
    assert "cannot be deleted" in refused.content.decode()
    assert NotificationChannel.objects.filter(pk=channel.pk).exists()


def test_a_webhook_to_a_private_address_is_refused(web, alice):
    response = web.post("/settings/channels/", {"kind": "webhook", "url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 400
    assert "non-public address" in response.content.decode()


def test_password_change_keeps_the_session(web, alice):
    response = web.post("/settings/password/", {"current_password": PASSWORD, "new_password": "another-long-passphrase-3"})
    assert response.status_code == 302
    assert web.get("/settings/").status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("another-long-passphrase-3")


# --- account ---------------------------------------------------------------------------


def test_export_downloads_my_data(web, deals, alice):
    response = web.get("/account/export/")
    assert response["Content-Disposition"] == 'attachment; filename="dealscout-my-data.json"'
    document = json.loads(response.content)
    assert document["user_id"] == alice.pk
    assert document["records"]["searches.Search"][0]["name"] == "Cheap ThinkPad"


def test_account_page_shows_the_health_of_my_marketplaces(web, deals, market):
    from listings.tests.factories import MarketplaceFactory, ScrapeRunFactory

    ScrapeRunFactory(marketplace=market, status="blocked", error="captcha")
    ScrapeRunFactory(marketplace=MarketplaceFactory(slug="not-mine"), status="ok")
    response = web.get("/account/")
    rows = response.context["health"]
    assert [row["marketplace"].slug for row in rows] == ["sandbox"]
    assert rows[0]["searches"] == ["Cheap ThinkPad"]
    assert "Failing" in response.content.decode()


def test_delete_account_needs_the_password_then_explains_the_grace_period(web, alice, settings):
    settings.DELETED_USER_GRACE_DAYS = 30
    wrong = web.post("/account/", {"password": "nope"})
    assert wrong.status_code == 400 and "Wrong password" in wrong.content.decode()
    done = web.post("/account/", {"password": PASSWORD})
    assert done.status_code == 200 and "30 days" in done.content.decode()
    alice.refresh_from_db()
    assert alice.deleted_at is not None and not alice.is_active
    assert web.get("/").status_code == 302  # signed out


# --- security --------------------------------------------------------------------------


def _alice_ids(deals):
    alert = AlertFactory(search=deals["search"], listing=deals["best"].listing)
    channel = NotificationChannel.objects.create(user=deals["search"].owner, kind="email")
    return deals["search"].pk, deals["best"].pk, deals["best"].listing_id, alert.pk, channel.pk


ID_PAGES = [
    ("get", "/searches/{search}/"),
    ("post", "/searches/{search}/"),
    ("post", "/searches/{search}/pause/"),
    ("post", "/searches/{search}/resume/"),
    ("post", "/searches/{search}/run/"),
    ("post", "/searches/{search}/delete/"),
    ("post", "/deals/{match}/save/"),
    ("post", "/deals/{match}/dismiss/"),
    ("get", "/listings/{listing}/"),
    ("post", "/alerts/{alert}/read/"),
    ("post", "/settings/channels/{channel}/toggle/"),
    ("post", "/settings/channels/{channel}/delete/"),
    ("post", "/settings/channels/{channel}/test/"),
]


@pytest.mark.parametrize(("method", "path"), ID_PAGES)
def test_a_second_user_gets_404(bob_web, deals, method, path):
    search, match, listing, alert, channel = _alice_ids(deals)
    url = path.format(search=search, match=match, listing=listing, alert=alert, channel=channel)
    assert getattr(bob_web, method)(url).status_code == 404
    assert Search.objects.filter(pk=search, is_active=True).exists()
    assert not Match.objects.get(pk=match).dismissed


def test_every_form_needs_the_csrf_token(alice, deals):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    match = deals["best"]
    assert client.post(f"/deals/{match.pk}/dismiss/").status_code == 403
    assert client.post("/settings/", _prefs()).status_code == 403
    assert client.post("/logout/").status_code == 403
    page = client.get("/")
    assert 'name="csrfmiddlewaretoken"' in page.content.decode() and "X-CSRFToken" in page.content.decode()


def test_content_security_policy_on_the_web_pages_only(web, staff_client):
    policy = web.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "Content-Security-Policy" not in staff_client.get(reverse("admin:index"))
    assert "Content-Security-Policy" not in web.get("/api/docs/")


def test_pages_link_only_our_own_scripts(web, deals):
    body = web.get("/").content.decode()
    scripts = re.findall(r"<script[^>]*>", body)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert "<style" not in body and " style=" not in body


def test_the_pages_static_files_are_served_by_the_application(client, db):
    """WhiteNoise serves them from gunicorn in production (DEBUG off, nothing in front)."""
    response = client.get("/static/web/app.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_the_api_sends_a_channel_test_with_the_same_service(alice_api, bob_api, alice, settings, httpserver):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("gone", status=410)
    channel = NotificationChannel.objects.create(user=alice, kind="webhook", config={"url": httpserver.url_for("/hook")}, secret="s" * 32)
    assert bob_api.post(f"/api/v1/alerts/channels/{channel.pk}/test/").status_code == 404
    body = alice_api.post(f"/api/v1/alerts/channels/{channel.pk}/test/").json()
    assert body["ok"] is False and "410" in body["detail"]
    channel.refresh_from_db()
    assert channel.enabled  # a test never turns a channel off


def test_run_now_shares_the_apis_scout_budget(web, alice_api, deals, settings, task_queue):
    from django.core.cache import cache

    cache.clear()
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "scout": "2/hour"}
    search = deals["search"]
    assert alice_api.post(f"/api/v1/searches/{search.pk}/run/").status_code == 202  # one through the API
    assert "Looking for" in web.post(f"/searches/{search.pk}/run/", follow=True).content.decode()  # one on the page
    refused = web.post(f"/searches/{search.pk}/run/", follow=True).content.decode()
    assert "try again in" in refused
    assert alice_api.post(f"/api/v1/searches/{search.pk}/run/").status_code == 429


@pytest.mark.parametrize("path", ["/listings/{big}/", "/searches/{big}/", "/deals/{big}/save/", "/alerts/{big}/read/"])
def test_an_absurd_id_is_a_404_not_an_overflow(web, path):
    url = path.format(big=2**70)
    response = web.post(url) if url.endswith(("save/", "read/")) else web.get(url)
    assert response.status_code == 404


def test_a_price_in_another_currency_shows_the_converted_one(web, alice, market):
    pytest.importorskip("searches.money", reason="currency conversion arrives with engineer geo's branch")
    search = SearchFactory(owner=alice, currency="USD", marketplaces=[market])
    MatchFactory(search=search, listing=ListingFactory(marketplace=market, price=Decimal("500"), currency="EUR"))
    body = web.get("/").content.decode()
    assert "500.00 EUR" in body and re.search(r'class="converted">≈ [0-9.]+ USD', body)
