"""docs/SEARCHING.md tells the truth: every example in it goes through the real matcher."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from searches import matching
from searches.aliases import shipped_alias_table

DOC = Path(settings.BASE_DIR) / "docs" / "SEARCHING.md"
ROW = re.compile(r"^\| `(?P<query>(?:[^`]|\\\|)+)` \| (?P<title>[^|]+?) \| (?P<match>yes|no) \|$", re.MULTILINE)
ASKED = re.compile(r"^\| `(?P<query>(?:[^`]|\\\|)+)` \| `(?P<asked>[^`]*)` \|$", re.MULTILINE)


def examples(pattern: re.Pattern[str]) -> list[dict[str, str]]:
    rows = [match.groupdict() for match in pattern.finditer(DOC.read_text(encoding="utf-8"))]
    for row in rows:
        row["query"] = row["query"].replace("\\|", "|")
    return rows


def test_the_doc_has_examples_of_each_kind() -> None:
    rows = examples(ROW)
    assert len(rows) >= 30
    assert {"yes", "no"} == {row["match"] for row in rows}
    syntax = " ".join(row["query"] for row in rows)
    for mark in ('"', "(", "|", "-", "*"):
        assert mark in syntax, f"no example uses {mark!r}"


@pytest.mark.parametrize("row", examples(ROW), ids=lambda row: f"{row['query']} ~ {row['title']}")
def test_every_example_in_the_doc_matches_as_it_says(row: dict[str, str]) -> None:
    rules = matching.MatchRules(
        query=row["query"], excluded=(), min_price=None, max_price=None, currency="", condition="any", aliases=shipped_alias_table()
    )
    verdict = matching.listing_match(rules, title=row["title"], price=None, currency="", condition="unknown")
    assert verdict.ok is (row["match"] == "yes"), verdict.why


@pytest.mark.parametrize("row", examples(ASKED), ids=lambda row: row["query"])
def test_what_a_marketplace_is_asked_is_what_the_doc_says(row: dict[str, str]) -> None:
    assert matching.normalized_query(row["query"]) == row["asked"]


def test_the_example_explanations_are_the_matchers_own() -> None:
    text = DOC.read_text(encoding="utf-8")
    rules = matching.MatchRules(
        query="fuji x100v", excluded=(), min_price=None, max_price=None, currency="", condition="any", aliases=shipped_alias_table()
    )
    for title in ("Fujifilm X100V", "Fujifilm X100F"):
        why = matching.listing_match(rules, title=title, price=None, currency="", condition="unknown").why
        assert f"`{why}`" in text
    bounded = matching.MatchRules(
        query="fuji x100v", excluded=(), min_price=None, max_price=Decimal("1100"), currency="USD", condition="any",
        aliases=shipped_alias_table(),
    )  # fmt: skip
    for price in ("850.00", "1200.00"):
        why = matching.listing_match(bounded, title="Fujifilm X100V", price=Decimal(price), currency="USD", condition="used").why
        assert f"`{why}`" in text
