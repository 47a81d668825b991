"""Sample ``selectors`` configs, one per classifieds site the agent was tested on.

Each was checked against a real saved results page of that site (see
listings/tests/data/SOURCES.md and listings/tests/test_selectors_agent.py). The catalogue of
marketplaces reuses them (``marketplaces add selectors --option site=olx-pl``): it takes
``url``, ``name``, ``country`` and ``currency`` for the Marketplace row and keeps the
rest as its ``config``. Sites change their markup:
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

# ``country`` is left out where the catalogue's country table does not know it (UA, UZ):
# the catalogue refuses a country it cannot price; the currency here is enough.
SITE_CONFIGS: dict[str, dict[str, Any]] = {
    "olx-pl": {**_OLX, "url": "https://www.olx.pl", "name": "OLX Poland", "country": "PL", "currency": "PLN"},
    # OLX Ukraine's gallery cards (2026) put the title in the link, and the place in a <p>
    # known only by a generated class name: left out rather than guessed.
    "olx-ua": {
        **_OLX,
        "title": "h4, h6, a[href*='/obyavlenie/']",
        "url": "https://www.olx.ua",
        "name": "OLX Ukraine",
        "currency": "UAH",
        "search_url": "/uk/list/q-{query}/",
    },
    "olx-uz": {
        **_OLX,
        "url": "https://www.olx.uz",
        "name": "OLX Uzbekistan",
        "currency": "UZS",
        "search_url": "/list/q-{query}/",
    },
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
        "url": "https://www.gumtree.pl",
        "name": "Gumtree Poland",
        "country": "PL",
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
        "url": "https://www.leboncoin.fr",
        "name": "Leboncoin",
        "country": "FR",
        "currency": "EUR",
        "search_url": "/recherche/?text={query}",
    },
    # Kijiji Canada (2026, Next.js). Only the empty page is verified on a real capture
    # (data-testid="zero-results-page"); the card selectors follow Kijiji's data-testid
    # naming but no saved results page backs them yet: if they are wrong, runs say
    # parse_error with a sample, never a silent "no results".
    "kijiji-ca": {
        "item": "[data-testid^='listing-card']",
        "title": "[data-testid='listing-title']",
        "link": "a[data-testid='listing-link'], a[href]",
        "price": "[data-testid='listing-price']",
        "image": "img",
        "location": "[data-testid='listing-location']",
        "id_attribute": "data-listingid",
        "no_results": "[data-testid='zero-results-page']",
        "url": "https://www.kijiji.ca",
        "name": "Kijiji Canada",
        "country": "CA",
        "currency": "CAD",
        "search_url": "/b-canada/{query}/k0l0",
        "query_space": "-",
    },
}
