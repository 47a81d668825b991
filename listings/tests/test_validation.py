"""listings.validation: the one check before storing, field by field."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from listings.agents import ListingData
from listings.validation import Rejection, json_safe, listing_data_check


def item(**fields: object) -> ListingData:
    defaults: dict[str, object] = {
        "external_id": "1",
        "url": "https://shop.example/p/1",
        "title": "Fuji X100V",
        "price": Decimal("899.00"),
        "currency": "EUR",
    }
    defaults.update(fields)
    return ListingData(**defaults)  # type: ignore[arg-type]


def test_a_good_listing_passes_unchanged_in_substance() -> None:
    checked = listing_data_check(item(location="Berlin", shipping=Decimal("4.9")))
    assert isinstance(checked, ListingData)
    assert (checked.price, checked.shipping, checked.currency, checked.location) == (Decimal("899.00"), Decimal("4.90"), "EUR", "Berlin")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"external_id": "  "}, "no external id"),
        ({"url": "javascript:alert(1)"}, "not an http(s) URL"),
        ({"url": "https://x.example/" + "a" * 1000}, "longer than 1000"),
        ({"title": "\x00\x01 "}, "no title"),
        ({"price": Decimal("-0.01")}, "negative"),
        ({"price": Decimal("1e20")}, "beyond the column's range"),
        ({"price": Decimal("10000000000.00")}, "beyond the column's range"),
        ({"price": Decimal("NaN")}, "not a finite amount"),
        ({"price": Decimal("Infinity")}, "not a finite amount"),
        ({"currency": "ZZZ"}, "unknown currency"),
        ({"currency": "XXX"}, "unknown currency"),
        ({"currency": ""}, "unknown currency"),
    ],
)
def test_a_bad_row_is_rejected_with_its_reason(fields: dict[str, object], reason: str) -> None:
    checked = listing_data_check(item(**fields))
    assert isinstance(checked, Rejection)
    assert reason in checked.reason


def test_the_largest_price_the_column_holds_is_accepted() -> None:
    checked = listing_data_check(item(price=Decimal("9999999999.99")))
    assert isinstance(checked, ListingData) and checked.price == Decimal("9999999999.99")


def test_a_bad_field_is_dropped_and_the_listing_kept() -> None:
    checked = listing_data_check(
        item(shipping=Decimal("-3"), image_url="data:image/png;base64,xx", condition="mint", posted_at=datetime(2026, 1, 1))  # noqa: DTZ001
    )
    assert isinstance(checked, ListingData)
    assert (checked.shipping, checked.image_url, checked.condition, checked.posted_at) == (None, "", "unknown", None)


def test_text_loses_nul_and_control_characters_and_is_cut_at_its_column() -> None:
    checked = listing_data_check(item(title="Leica\x00 M6\x07\u2028body " + "x" * 600, seller="a\x00b", location="y" * 300))
    assert isinstance(checked, ListingData)
    assert checked.title.startswith("Leica M6 body ") and len(checked.title) == 500
    assert (checked.seller, len(checked.location)) == ("a b", 200)


def test_an_id_longer_than_its_column_becomes_a_stable_digest() -> None:
    first = listing_data_check(item(external_id="https://shop.example/" + "p" * 300))
    second = listing_data_check(item(external_id="https://shop.example/" + "p" * 300))
    assert isinstance(first, ListingData) and isinstance(second, ListingData)
    assert first.external_id == second.external_id and first.external_id.startswith("sha1:") and len(first.external_id) <= 200


def test_no_price_needs_no_currency() -> None:
    checked = listing_data_check(item(price=None, currency="??"))
    assert isinstance(checked, ListingData) and (checked.price, checked.currency) == (None, "")


def test_raw_becomes_json_that_jsonb_accepts() -> None:
    raw = {
        "price": math.nan,
        "big": math.inf,
        "neg": -math.inf,
        "when": datetime(2026, 1, 1, tzinfo=UTC),
        "d": Decimal("1.5"),
        "t": ("a\x00", {1: "x"}),
    }
    checked = listing_data_check(item(raw=raw))
    assert isinstance(checked, ListingData)
    assert checked.raw == {"price": None, "big": None, "neg": None, "when": "2026-01-01T00:00:00+00:00", "d": "1.5", "t": ["a", {"1": "x"}]}
    json.dumps(checked.raw, allow_nan=False)


def test_raw_too_large_or_too_deep_is_cut() -> None:
    huge = listing_data_check(item(raw={"blob": "x" * 40_000}))
    assert isinstance(huge, ListingData) and huge.raw["truncated"] is True
    deep: dict[str, object] = {}
    node = deep
    for _ in range(100):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    assert json.dumps(json_safe(deep)).count("{") <= 22
