"""``parse_listings`` on every capture we keep, with the agent of its marketplace."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from listings.tests.conftest import DATA

AGENT_FOR_FOLDER = {"craigslist": "craigslist", "facebook": "facebook", "jsonld": "jsonld", "rss": "rss"}


# classifieds: the selectors agent with the sample config of the page's site
SITE_FOR_PREFIX = {"olx_": "olx-{}", "gumtree_": "gumtree-pl", "leboncoin_": "leboncoin-fr", "kijiji_": "kijiji-ca"}


def agent_for(path):  # noqa: ANN001, ANN201
    if path.parent.name == "ebay":
        return ["ebay" if path.suffix == ".json" else "ebay_html"]
    if path.parent.name == "classifieds":
        prefix = next(prefix for prefix in SITE_FOR_PREFIX if path.name.startswith(prefix))
        return ["selectors", "--config", SITE_FOR_PREFIX[prefix].format(path.name.split("_")[2])]
    return [AGENT_FOR_FOLDER[path.parent.name]]


CAPTURES = sorted(path for path in DATA.rglob("*") if path.is_file() and path.suffix in {".html", ".json", ".xml"})


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("parse_listings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("path", CAPTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_capture_parses_with_its_agent(path) -> None:  # noqa: ANN001
    agent, *config = agent_for(path)
    out, err = run("--agent", agent, *config, "--url", "https://shop.example/search", str(path))
    rows = [json.loads(line) for line in out.splitlines()]
    if "bot_challenge" in path.name:
        assert rows == [] and "blocked" in err
        return
    if "empty" in path.name or "no_results" in path.name or "zero_results" in path.name:
        assert rows == [] and "no results" in err
        return
    assert rows, err
    assert f"{len(rows)} listing" in err
    for row in rows:
        assert row["title"] and row["url"].startswith("http") and len(row["currency"]) == 3
        assert row["price"] is None or float(row["price"]) >= 0


def test_table_format_prints_title_price_currency_and_url() -> None:
    out, _ = run("--agent", "facebook", "--format", "table", str(DATA / "facebook/fb_mp_item_2026.html"))
    assert "Schwinn Mountain Bike" in out and "110.00 USD" in out and "https://www.facebook.com/marketplace/item/1800446554437755/" in out


def test_a_page_the_agent_cannot_read_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="rss cannot read"):
        run("--agent", "rss", str(DATA / "facebook/fb_mp_item_2026.html"))


def test_unknown_agent_names_the_known_ones() -> None:
    with pytest.raises(CommandError, match="known: craigslist, ebay"):
        run("--agent", "nope", str(DATA / "facebook/fb_mp_item_2026.html"))


def test_config_names_a_selectors_sample_config() -> None:
    out, err = run(
        "--agent",
        "selectors",
        "--config",
        "gumtree-pl",
        "--format",
        "table",
        str(DATA / "classifieds/gumtree_2017-07_pl_wroclaw_flats.html"),
    )
    assert "430.00 PLN" in out and "23 listings" in err


def test_config_as_json_is_read_and_a_refused_one_names_the_key() -> None:
    page = str(DATA / "classifieds/leboncoin_2019-04_fr_realestate.html")
    out, _ = run(
        "--agent",
        "selectors",
        "--config",
        '{"item": "[data-qa-id=aditem_container]", "title": "[data-qa-id=aditem_title]", "link": "a"}',
        page,
    )
    assert len(out.splitlines()) == 8
    with pytest.raises(CommandError, match="config refused: selectors config: 'link' is required"):
        run("--agent", "selectors", "--config", '{"item": "li", "title": "a"}', page)
    with pytest.raises(CommandError, match="neither JSON"):
        run("--agent", "selectors", "--config", "no-such-preset", page)
