"""Sample ``selectors`` configs, one per classifieds site the agent was tested on.

Each was checked against a real saved results page of that site (see
listings/tests/data/SOURCES.md and listings/tests/test_selectors_agent.py). The catalogue of
marketplaces reuses them: a preset copies one of these into a Marketplace row's
``config`` together with the site's base URL and currency. Sites change their markup:
when one breaks (runs turn to ``parse_error``), save a page, fix the config here with a
test on that page, and update the rows that copied it.
"""

from __future__ import annotations

from typing import Any

# OLX (Poland, Ukraine, Uzbekistan, Kazakhstan, Romania, Bulgaria, Portugal share one
# front end): result cards carry data-cy="l-card" and their ad id in the id attribute.
_OLX: dict[str, Any] = {
    "item": "[data-cy='l-card']",
    "title": "h4, h6",
    "link": "a[href]",
    "price": "[data-testid='ad-price']",
    "image": "img",
    "location": "[data-testid='location-date']",
    # "Warszawa, Mokotów - Odświeżono dnia 12 lipca": the date after " - " is not the place.
    "location_strip": r"\s+-\s+.*$",
    "id_attribute": "id",
    "no_results": "[data-testid='listing-grid-empty'], [data-testid='empty-listing-grid'], [data-cy='no-results']",
    "search_url": "/oferty/q-{query}/",
    "query_space": "-",
}

SITE_CONFIGS: dict[str, dict[str, Any]] = {
    "olx-pl": {**_OLX, "currency": "PLN"},
    # OLX Ukraine's gallery cards (2026) put the title in the link, and the place in a <p>
    # known only by a generated class name: left out rather than guessed.
    "olx-ua": {
        **_OLX,
        "title": "h4, h6, a[href*='/obyavlenie/']",
        "currency": "UAH",
        "search_url": "/uk/list/q-{query}/",
    },
    "olx-uz": {**_OLX, "currency": "UZS", "search_url": "/list/q-{query}/"},
    # Gumtree Poland's classic results list (li.result with data-adid).
    "gumtree-pl": {
        "item": "li.result[data-adid]",
        "title": ".title a",
        "link": ".title a",
        "price": ".price .amount",
        "image": "img.thumbM",
        "location": ".category-location span",
        "location_strip": r"^.*,\s*",
        "id_attribute": "data-adid",
        "no_results": ".no-results, .noResults",
        "currency": "PLN",
        "search_url": "/s-{query}/v1q0p1",
        "query_space": "+",
    },
    # Leboncoin's React list of ads (data-qa-id attributes), 2019 markup.
    "leboncoin-fr": {
        "item": "[data-qa-id='aditem_container']",
        "title": "[data-qa-id='aditem_title']",
        "link": "a[href]",
        "price": "[data-qa-id='aditem_price']",
        "image": "img",
        "location": "[data-qa-id='aditem_location']",
        "id_regex": r"/(\d+)\.htm",
        "no_results": "[data-qa-id='no_result'], .noResult",
        "currency": "EUR",
        "search_url": "/recherche/?text={query}",
    },
    # Kijiji Canada (2026, Next.js): cards are [data-testid^='listing-card'] and the empty
    # page says so with data-testid="zero-results-page".
    "kijiji-ca": {
        "item": "[data-testid^='listing-card']",
        "title": "[data-testid='listing-title']",
        "link": "a[data-testid='listing-link'], a[href]",
        "price": "[data-testid='listing-price']",
        "image": "img",
        "location": "[data-testid='listing-location']",
        "id_attribute": "data-listingid",
        "no_results": "[data-testid='zero-results-page']",
        "currency": "CAD",
        "search_url": "/b-canada/{query}/k0l0",
        "query_space": "-",
    },
}
