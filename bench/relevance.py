"""Precision and recall of matching on a labelled set of real listing titles.

    python bench/relevance.py [--data bench/relevance/labelled.tsv] [--misses]

Each row of the set is a query, whether the search wants accessories, a real title
(bench/relevance/README.md says where each came from) and whether a person reading the
title would want it for that query. The matcher is the production one (searches.matching
with the shipped aliases, searches/data/aliases.json), text rules only: no price, no place.
Prints precision and recall per query and overall, worst first; ``--misses`` lists the
titles it got wrong with the matcher's explanation.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")

import django  # noqa: E402

django.setup()

from searches import matching  # noqa: E402
from searches.aliases import shipped_alias_table  # noqa: E402

TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "bench" / "relevance" / "labelled.tsv"))
    parser.add_argument("--misses", action="store_true", help="list every wrong verdict with its explanation")
    args = parser.parse_args()

    aliases = shipped_alias_table()
    counts: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, fn, pairs
    misses: list[tuple[str, str, str, str]] = []
    rules_by_query: dict[tuple[str, bool], matching.MatchRules] = {}
    with open(args.data, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        key = (row["query"], row["accessories"] == "1")
        rules = rules_by_query.get(key)
        if rules is None:
            rules = rules_by_query[key] = matching.MatchRules(
                query=key[0], excluded=(), min_price=None, max_price=None, currency="", condition="any",
                include_accessories=key[1], aliases=aliases,
            )  # fmt: skip
        verdict = matching.listing_match(rules, title=row["title"], price=None, currency="", condition="unknown")
        relevant = row["relevant"] == "1"
        tally = counts[key]
        tally[3] += 1
        if verdict.ok and relevant:
            tally[0] += 1
        elif verdict.ok:
            tally[1] += 1
            misses.append(("false match", key[0], row["title"], verdict.why))
        elif relevant:
            tally[2] += 1
            misses.append(("missed", key[0], row["title"], verdict.why))

    print(f"Labelled set: {len(rows)} query/title pairs, {len(counts)} queries ({args.data})")
    print(f"{'query':<42} {'pairs':>5} {'relevant':>8} {'precision':>9} {'recall':>7}")
    lines = []
    for (query, accessories), (tp, fp, fn, pairs) in counts.items():
        label = query + (" [+accessories]" if accessories else "")
        lines.append((ratio(tp, tp + fp) + ratio(tp, tp + fn), label, pairs, tp + fn, ratio(tp, tp + fp), ratio(tp, tp + fn)))
    for _, label, pairs, relevant, precision, recall in sorted(lines):
        print(f"{label:<42} {pairs:>5} {relevant:>8} {precision:>9.3f} {recall:>7.3f}")
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    macro_p = sum(ratio(c[0], c[0] + c[1]) for c in counts.values()) / len(counts)
    macro_r = sum(ratio(c[0], c[0] + c[2]) for c in counts.values()) / len(counts)
    print(f"{'OVERALL (micro: all pairs)':<42} {len(rows):>5} {tp + fn:>8} {precision:>9.3f} {recall:>7.3f}")
    print(f"{'OVERALL (macro: mean of queries)':<42} {'':>5} {'':>8} {macro_p:>9.3f} {macro_r:>7.3f}")
    met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    print(f"Targets: precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL} (micro): {'met' if met else 'MISSED'}")
    if args.misses:
        print("\nWrong verdicts:")
        for kind, query, title, why in misses:
            print(f"  {kind:<11} [{query}] {title}\n              {why}")
    else:
        print(f"{len(misses)} wrong verdicts; run with --misses to list them with the matcher's explanation.")


if __name__ == "__main__":
    main()
