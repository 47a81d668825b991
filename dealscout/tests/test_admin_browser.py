"""Headless Chromium signs in to the operator console and opens every changelist and the health page.

Runs against pytest-django's live server (a real HTTP server on a free loopback port).
Needs Debian's chromium and chromium-driver; skipped without them outside CI, fails in CI.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from alerts.tests.factories import AlertFactory
from listings.tests.factories import PriceObservationFactory, ScrapeRunFactory
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ERROR_MARKERS = ["Server Error", "Traceback", "Page not found", "OperationalError", "ProgrammingError", "TemplateSyntaxError"]


@pytest.fixture
def browser(chromium) -> object:  # noqa: ANN001
    return chromium()


@pytest.fixture
def console_data(staff, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market])
    match = MatchFactory(search=search)
    PriceObservationFactory(listing=match.listing)
    AlertFactory(search=search, listing=match.listing, status="failed", error="SMTP 554")
    ScrapeRunFactory(marketplace=market, status="blocked", started_at=timezone.now() - timedelta(minutes=3), error="captcha")
    return {"search": search, "match": match}


def _assert_clean(driver, url: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    body = driver.find_element(By.TAG_NAME, "body").text
    for marker in ERROR_MARKERS:
        assert marker not in body, f"{url}: {marker!r} on the page"
    assert driver.find_elements(By.ID, "site-name"), f"{url}: not an admin page (signed out?)"
    severe = [entry["message"] for entry in driver.get_log("browser") if "favicon" not in entry["message"]]
    assert not severe, f"{url}: browser console errors {severe}"


def test_staff_opens_every_changelist_and_the_health_page(browser, live_server, staff, console_data):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(staff.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # A click does not wait for the next page: wait for it (a loaded machine can take seconds).
    WebDriverWait(browser, 20).until(lambda driver: "Site administration" in driver.title)

    # The index links to the health page.
    browser.find_element(By.ID, "scrape-health-link").click()
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.ID, "scrape-health"))
    assert browser.find_element(By.ID, "scrape-health").is_displayed()
    assert browser.find_element(By.ID, "failures-last-hour").text == "1"

    changelists = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    assert len(changelists) >= 10
    for page in changelists:
        _assert_clean(browser, f"{live_server.url}{page}")
        assert browser.find_elements(By.ID, "changelist"), f"{page}: no changelist"
    for page in [
        reverse("admin:scrape_health"),
        reverse("admin:searches_search_change", args=[console_data["search"].pk]),
        reverse("admin:listings_listing_change", args=[console_data["match"].listing_id]),
    ]:
        _assert_clean(browser, f"{live_server.url}{page}")


def test_api_docs_page_renders_offline(browser, live_server, db):
    """Swagger UI comes from the sidecar package's static files and renders every operation."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/api/docs/")
    WebDriverWait(browser, 30).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".opblock"))
    assert "Deal Scout API" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info").text
    paths = {element.text for element in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert "/api/v1/listings/" in {p.replace("\u200b", "") for p in paths}
    severe = [entry["message"] for entry in browser.get_log("browser") if "favicon" not in entry["message"]]
    assert not severe, severe
