"""A person in real headless Chromium: signs up, saves a search, sees a deal from the sandbox
shop, opens its listing and chart, dismisses it, changes a preference, downloads the export.

axe-core (vendored, injected through WebDriver, which CSP does not block) checks every page
for serious or critical accessibility violations, and screenshots of the main pages at
desktop and phone width go to var/screenshots/ (WEB_SCREENSHOTS_DIR), for a reviewer.
Needs Debian's chromium and chromium-driver; skipped without them outside CI, fails in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tests.factories import PASSWORD
from searches.models import Match, Search
from searches.services import group_by_scout_query
from searches.tasks import scout

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = Path(os.environ.get("WEB_SCREENSHOTS_DIR") or settings.BASE_DIR / "var" / "screenshots")
DESKTOP, PHONE = (1280, 900), (390, 844)


@pytest.fixture
def downloads() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dealscout-downloads-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(chromium, downloads: Path) -> object:  # noqa: ANN001
    driver = chromium(
        flags=(f"--window-size={DESKTOP[0]},{DESKTOP[1]}",),
        prefs={"download.default_directory": str(downloads), "download.prompt_for_download": False},
        console="ALL",
    )
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def _wait(driver, condition, timeout: float = 20):  # noqa: ANN001, ANN202
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A condition that reads an element while the page is being replaced (a form's POST
    # and redirect) meets a stale element: that is "not yet", so ask again.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _text(driver, element_id: str | None = None) -> str:  # noqa: ANN001
    """The visible text of the body (or of one element), read in a single script call.

    find_element(...).text takes two round trips; a page replaced between them (a form's
    POST and redirect, an htmx swap) makes Chrome answer "Node with given id does not
    belong to the document", which is not a StaleElementReferenceException. One script
    call has no element handle to lose.
    """
    script = "const e = arguments[0] ? document.getElementById(arguments[0]) : document.body; return e ? e.innerText : '';"
    return driver.execute_script(script, element_id)


def _axe(driver, page: str) -> None:  # noqa: ANN001
    """No serious or critical violation on the page as it is now."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page}: {bad}"


def _console_errors(driver) -> list[str]:  # noqa: ANN001
    """Errors in the browser console: a CSP violation or a failed script shows up here."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]


def _shoot(driver, name: str) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, full + 140), 5000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
    driver.set_window_size(*DESKTOP)
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= DESKTOP[0], f"{name}: the page is wider than the window"


def _check_page(driver, name: str) -> None:  # noqa: ANN001
    body = _text(driver)
    for marker in ("Server Error", "Traceback", "TemplateSyntaxError"):
        assert marker not in body, f"{name}: {marker}"
    _axe(driver, name)
    # The phone width: nothing sticks out sideways.
    driver.set_window_size(*PHONE)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: {overflow}px wider than a phone screen"
    _axe(driver, f"{name} (phone)")
    _shoot(driver, name)
    errors = _console_errors(driver)
    assert not errors, f"{name}: browser console errors {errors}"


def test_a_person_finds_a_deal_in_the_browser(browser, live_server, sandbox_marketplace, downloads):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url = live_server.url
    browser.get(f"{url}/signup/")
    _check_page(browser, "signup")
    browser.find_element(By.ID, "id_email").send_keys("pat@example.com")
    browser.find_element(By.ID, "id_name").send_keys("Pat")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit].primary").click()
    _wait(browser, lambda d: d.current_url.endswith("/searches/new/"))

    # The search form, with its live preview (htmx).
    browser.find_element(By.ID, "id_name").send_keys("Fuji X100V")
    browser.find_element(By.ID, "id_query").send_keys("fujifilm x100v")
    browser.find_element(By.CSS_SELECTOR, f"input[name=marketplaces][value='{sandbox_marketplace.pk}']").click()
    browser.find_element(By.ID, "id_max_price").send_keys("1300")
    _wait(browser, lambda d: "would match now" in _text(d, "preview"))
    _check_page(browser, "search-new")
    browser.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    _wait(browser, lambda d: "/searches/" in d.current_url and d.current_url.rstrip("/").split("/")[-1].isdigit())
    search = Search.objects.get(owner__email="pat@example.com")

    # The worker's part: scout the sandbox for this search, as the queued task would.
    for query, ids in group_by_scout_query([search.pk]).items():
        scout(query.to_dict(), ids)
    assert Match.objects.filter(search=search).exists(), "the sandbox gave no match"

    browser.get(f"{url}/")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.deal"))
    _check_page(browser, "deals")
    # Keyboard: the first Tab reaches the skip link, Enter moves to the content.
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.execute_script("return location.hash") == "#main")
    first = browser.find_element(By.CSS_SELECTOR, "li.deal")
    match_id = int(first.get_attribute("id").removeprefix("match-"))
    first.find_element(By.CSS_SELECTOR, "h2.title a").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "price-history-chart"))
    assert browser.find_element(By.CSS_SELECTOR, "#price-history-chart svg").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, ".comparables-chart svg .this"), "no marker of this listing's price"
    _check_page(browser, "listing")

    # Dismiss it from the deals page (htmx swaps the card away).
    browser.get(f"{url}/")
    card = _wait(browser, lambda d: d.find_element(By.ID, f"match-{match_id}"))
    card.find_element(By.XPATH, ".//button[normalize-space()='Dismiss']").click()
    _wait(browser, lambda d: not d.find_elements(By.ID, f"match-{match_id}"))
    assert Match.objects.get(pk=match_id).dismissed

    # A preference.
    browser.get(f"{url}/settings/")
    browser.find_element(By.CSS_SELECTOR, "input[name=frequency][value=daily]").click()
    Select(browser.find_element(By.ID, "id_timezone")).select_by_value("Europe/Berlin")
    _check_page(browser, "settings")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save preferences']").click()
    _wait(browser, lambda d: "Saved your alert preferences" in _text(d))
    search.owner.refresh_from_db()
    assert search.owner.notification_preferences.frequency == "daily" and search.owner.timezone == "Europe/Berlin"

    # The other pages.
    for path, name in (("/searches/", "searches"), (f"/searches/{search.pk}/", "search-detail"), ("/alerts/", "alerts")):
        browser.get(f"{url}{path}")
        _wait(browser, lambda d: d.find_elements(By.TAG_NAME, "h1"))
        _check_page(browser, name)

    # Download my data.
    browser.get(f"{url}/account/")
    _check_page(browser, "account")
    browser.find_element(By.ID, "export-link").click()
    deadline = time.monotonic() + 20
    exported = downloads / "dealscout-my-data.json"
    while not exported.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert exported.exists(), f"no download in {list(downloads.iterdir())}"
    document = json.loads(exported.read_text())
    assert document["user_id"] == search.owner_id

    # Signed out: the sign-in page.
    browser.find_element(By.XPATH, "//button[normalize-space()='Log out']").click()
    _wait(browser, lambda d: d.current_url.endswith("/login/"))
    _check_page(browser, "login")
