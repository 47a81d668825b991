"""Matching a scout group's listings against many searches: ours against naive, side by side.

    python bench/matching.py [--listings 1000] [--searches 5000] [--queries 50] [--sample 100] [--naive-sample 20]

A group is what one scout fetched: its listings (real titles from bench/relevance/titles,
cycled with a suffix to reach ``--listings``) and the searches that asked the same
marketplace query. The searches here spread over ``--queries`` distinct sets of words
(query text, exclusions, accessories) with their own price bounds and conditions, as
searches of one group do. Three ways to match, same answers (checked on the sample):

- naive: per search and listing, compile the query and normalize the title again;
- compiled: each query compiled once (MatchRules caches it), each title normalized once;
- ours: matching.ListingGroup, which also tests each distinct set of words once.

The naive way runs on ``--naive-sample`` searches and the compiled way on ``--sample``
(they are slow: that is the point), quoted per pair; ours runs on all of them. Prints pairs per second and
the ratios, and the time ours takes for the whole group.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")

import django  # noqa: E402

django.setup()

from searches import matching  # noqa: E402
from searches.aliases import shipped_alias_table  # noqa: E402
from searches.query import compile_query  # noqa: E402

WORDS = [
    "iphone 12",
    "iphone 13 pro max",
    "iphone 11 pro -max",
    "iphone se 2nd gen",
    "apple iphone 12 -mini -pro",
    "iphone 14 case",
    '"nexus player"',
    "nexus player gamepad",
    "4k steelbook",
    "(arrow | 88 films) limited edition",
    "sisters of battle",
    "primaris intercessor*",
    "surfboard -wetsuit",
    "fuji x100v",
    "ps5 console",
]


def titles(count: int) -> list[str]:
    pool = []
    for path in sorted((ROOT / "bench" / "relevance" / "titles").glob("*.txt")):
        pool += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [pool[i % len(pool)] + ("" if i < len(pool) else f" #{i // len(pool)}") for i in range(count)]


def searches(count: int, distinct: int, rng: random.Random) -> list[dict[str, object]]:
    variants = []
    for index in range(distinct):
        query = WORDS[index % len(WORDS)]
        excluded = ("broken",) if index // len(WORDS) % 2 else ()
        variants.append({"query": query, "excluded": excluded + ((f"w{index}",) if index >= 2 * len(WORDS) else ()), "acc": index % 7 == 0})
    out = []
    for _ in range(count):
        variant = rng.choice(variants)
        low = rng.choice([None, Decimal(rng.randint(5, 200))])
        out.append(
            {**variant, "max": rng.choice([None, Decimal(rng.randint(200, 1500))]), "min": low, "cond": rng.choice(["any", "used", "new"])}
        )
    return out


def rules_of(spec: dict[str, object], aliases: object) -> matching.MatchRules:
    return matching.MatchRules(
        query=spec["query"],  # type: ignore[arg-type]
        excluded=spec["excluded"],  # type: ignore[arg-type]
        min_price=spec["min"],  # type: ignore[arg-type]
        max_price=spec["max"],  # type: ignore[arg-type]
        currency="USD",
        condition=spec["cond"],  # type: ignore[arg-type]
        include_accessories=spec["acc"],  # type: ignore[arg-type]
        aliases=aliases,  # type: ignore[arg-type]
    )


def naive(specs: list[dict[str, object]], listings: list[SimpleNamespace], aliases: object) -> list[list[int]]:
    found = []
    for spec in specs:
        hits = []
        for index, listing in enumerate(listings):
            rules = rules_of(spec, aliases)  # compiled again for every pair
            verdict = matching.listing_match(
                rules, title=listing.title, price=listing.price, currency=listing.currency, condition=listing.condition
            )
            if verdict.ok:
                hits.append(index)
        found.append(hits)
    return found


def compiled(specs: list[dict[str, object]], listings: list[SimpleNamespace], aliases: object) -> list[list[int]]:
    prepared = [matching.prepare(listing.title) for listing in listings]
    found = []
    for spec in specs:
        rules = rules_of(spec, aliases)
        hits = [
            index
            for index, listing in enumerate(listings)
            if matching.listing_match(
                rules, title=prepared[index], price=listing.price, currency=listing.currency, condition=listing.condition
            ).ok
        ]
        found.append(hits)
    return found


def ours(specs: list[dict[str, object]], listings: list[SimpleNamespace], aliases: object) -> list[list[int]]:
    group = matching.ListingGroup(listings)
    position = {id(listing): index for index, listing in enumerate(listings)}
    return [[position[id(listing)] for listing, _ in group.matching(rules_of(spec, aliases))] for spec in specs]


def timed(function, *args):  # noqa: ANN001, ANN002, ANN201
    """CPU seconds of this process (robust on a shared machine), and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=50, help="distinct sets of words among the searches")
    parser.add_argument("--sample", type=int, default=100, help="searches the compiled way runs on")
    parser.add_argument("--naive-sample", type=int, default=20, help="searches the naive way runs on")
    args = parser.parse_args()

    rng = random.Random(12)  # noqa: S311 - reproducible test data, not security
    aliases = shipped_alias_table()
    conditions = ["used", "new", "unknown"]
    listings = [
        SimpleNamespace(title=title, price=Decimal(rng.randint(1, 1500)), currency="USD", condition=rng.choice(conditions))
        for title in titles(args.listings)
    ]
    specs = searches(args.searches, args.queries, rng)
    sample = specs[: args.sample]
    print(
        f"Group: {len(listings)} listings x {len(specs)} searches ({args.queries} distinct sets of words); "
        f"samples: naive {args.naive_sample}, compiled {args.sample} searches"
    )
    compile_query("warm up", aliases=aliases)

    naive_sample = specs[: args.naive_sample]
    naive_hits, naive_time, wall = timed(naive, naive_sample, listings, aliases)
    print(f"  naive     {len(naive_sample) * len(listings):>9} pairs in {naive_time:7.2f} s CPU ({wall:.2f} s wall)", flush=True)
    compiled_hits, compiled_time, wall = timed(compiled, sample, listings, aliases)
    print(f"  compiled  {len(sample) * len(listings):>9} pairs in {compiled_time:7.2f} s CPU ({wall:.2f} s wall)", flush=True)
    our_sample, _, _ = timed(ours, sample, listings, aliases)
    assert compiled_hits == our_sample and naive_hits == our_sample[: len(naive_sample)], "the three ways disagree"
    our_hits, our_time, wall = timed(ours, specs, listings, aliases)
    print(f"  ours      {len(specs) * len(listings):>9} pairs in {our_time:7.2f} s CPU ({wall:.2f} s wall)", flush=True)

    rate = {
        "naive": len(naive_sample) * len(listings) / naive_time,
        "compiled": len(sample) * len(listings) / compiled_time,
        "ours": len(specs) * len(listings) / our_time,
    }
    print(f"\n{'way':<10} {'listings*searches/s (CPU)':>26} {'vs naive':>9}")
    for name, value in rate.items():
        print(f"{name:<10} {value:>26,.0f} {value / rate['naive']:>8.1f}x")
    matched = sum(len(hits) for hits in our_hits)
    print(
        f"\nThe whole group ({len(listings)} x {len(specs)}) with ours: {our_time:.2f} s CPU, {matched} matches; "
        f"naive would take ~{len(specs) * len(listings) / rate['naive']:.0f} s. Same answers on the sample: yes."
    )


if __name__ == "__main__":
    main()
