"""Parse speed of every agent on the captures, against a bare parse of the same bytes.

    python bench/parse.py [--min-time 0.5] [--data listings/tests/data]

For each capture: the agent's ``parse`` and the bare parse it cannot avoid
(``lxml.html.fromstring`` for HTML, ``json.loads`` for JSON, ``lxml.etree.fromstring``
for feeds), timed side by side in the same run, best of several rounds. Prints pages/s,
listings/s and the ratio agent / bare. Target: every HTML agent within 3x of the bare parse.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")

import django  # noqa: E402

django.setup()

import lxml.etree  # noqa: E402
import lxml.html  # noqa: E402

from listings.agents import BlockedPage, ParseContext, ParseError, get_agent  # noqa: E402

# Every capture under the data folder is timed (old and new, real and ours); the agent
# comes from the folder, and for classifieds from the site's name (a selectors sample
# config). Captures added later show up here without an edit.
_FOLDER_AGENT = {"ebay": "ebay_html", "craigslist": "craigslist", "facebook": "facebook", "jsonld": "jsonld", "rss": "rss"}
_SITE_CONFIG = {"olx_": "olx-{country}", "gumtree_": "gumtree-pl", "leboncoin_": "leboncoin-fr", "kijiji_": "kijiji-ca"}
_CURRENCY_HINTS = {
    "_uk_": "GBP",
    "_pl_": "PLN",
    "_fr_": "EUR",
    "_ca_": "CAD",
    "vancouver": "CAD",
    "_gb_": "GBP",
    "_uz_": "UZS",
    "_ua_": "UAH",
}
PADDED = [("facebook", "facebook/fb_mp_search_bike_nyc_2026.html"), ("jsonld", "jsonld/ours_itemlist_2026-11.html")]


def _agent_for(path: Path) -> tuple[str, dict[str, object]]:
    folder = path.parent.name
    if folder == "ebay" and path.suffix == ".json":
        return "ebay", {}
    if folder == "classifieds":
        from listings.agents.selectors_presets import SITE_CONFIGS

        for prefix, name in _SITE_CONFIG.items():
            if path.name.startswith(prefix):
                country = path.name.split("_")[2] if prefix == "olx_" else ""
                return "selectors", dict(SITE_CONFIGS[name.format(country=country)])
    return _FOLDER_AGENT[folder], {}


def captures(data: Path) -> list[tuple[str, str, str, dict[str, object]]]:
    """(agent, relative path, default currency, config) for every capture, then the padded rows."""
    rows = []
    for path in sorted(data.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".json", ".xml"):
            continue
        agent, config = _agent_for(path)
        currency = next((code for hint, code in _CURRENCY_HINTS.items() if hint in path.name), "USD")
        rows.append((agent, str(path.relative_to(data)), currency, config))
    rows.extend((agent, relative + "+padded", "USD", {}) for agent, relative in PADDED)
    return rows


# The Facebook and JSON-LD captures are 1-7 KB (the capturer kept only the listing JSON);
# real pages are about 1 MB of unrelated markup and scripts around the same data. The
# "+padded" rows put the capture inside that much filler (synthetic, made here) to show
# how each agent scales with page size, next to the rows for the captures as they are.
_FILLER = (
    b'<div class="x1n2onr6"><span dir="auto">Suggested for you</span>'
    b'<script type="application/json">{"__bbox":{"require":[["ScheduledServerJS","handle",null,[{"x":1}]]]}}</script></div>\n'
)


def pad(body: bytes, size: int = 1024 * 1024) -> bytes:
    filler = _FILLER * (size // len(_FILLER))
    index = body.rfind(b"</body>")
    return body[:index] + filler + body[index:] if index >= 0 else body + filler


def bare_parser(path: Path) -> tuple[str, Callable[[bytes], object]]:
    if path.suffix == ".json":
        return "json.loads", lambda body: json.JSONDecoder().raw_decode(body.decode())
    if path.suffix == ".xml":
        return "etree", lxml.etree.fromstring
    return "lxml.html", lxml.html.fromstring


def _calls_for(function: Callable[[], object], min_time: float) -> int:
    """How many calls make one round last about min_time / 5."""
    function()  # warm up
    calls = 1
    while True:
        started = time.perf_counter()
        for _ in range(calls):
            function()
        if time.perf_counter() - started >= min_time / 5:
            return calls
        calls *= 2


def side_by_side(first: Callable[[], object], second: Callable[[], object], min_time: float) -> tuple[float, float]:
    """Seconds per call of each, best of 5 rounds, the rounds of the two interleaved.

    Interleaving keeps the ratio honest on a shared machine: a burst of load from
    elsewhere hits both sides instead of one.
    """
    counts = (_calls_for(first, min_time), _calls_for(second, min_time))
    best = [float("inf"), float("inf")]
    for _ in range(5):
        for index, (function, calls) in enumerate(zip((first, second), counts, strict=True)):
            started = time.perf_counter()
            for _ in range(calls):
                function()
            best[index] = min(best[index], (time.perf_counter() - started) / calls)
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds to spend per measurement (default 0.5)")
    parser.add_argument("--data", type=Path, default=ROOT / "listings" / "tests" / "data")
    args = parser.parse_args()

    rows_to_time = captures(args.data)
    print(f"Timing {len(rows_to_time)} captures from {args.data} (about {args.min_time * 2.5 * len(rows_to_time):.0f} s) ...", flush=True)
    header = (
        f"{'agent':<11} {'capture':<70} {'KB':>6} {'items':>5} {'agent ms':>9} {'bare ms':>8} {'bare':<10} {'ratio':>6} "
        f"{'pages/s':>8} {'items/s':>9}"
    )
    rows = []
    per_agent: dict[str, list[tuple[float, float, int]]] = {}
    padded: list[str] = []
    for index, (agent_name, relative, currency, config) in enumerate(rows_to_time, 1):
        path = args.data / relative.removesuffix("+padded")
        body = path.read_bytes()
        if relative.endswith("+padded"):
            body = pad(body)
        agent = get_agent(agent_name)
        context = ParseContext(url="https://example.test/search", default_currency=currency, config=config)

        def run_agent(agent=agent, body=body, context=context) -> int:  # noqa: ANN001
            try:
                return len(agent.parse(body, context).listings)
            except (BlockedPage, ParseError):  # a challenge or an unreadable capture: timed all the same
                return 0

        bare_name, bare = bare_parser(path)
        items = run_agent()
        agent_seconds, bare_seconds = side_by_side(run_agent, lambda bare=bare, body=body: bare(body), args.min_time)
        ratio = agent_seconds / bare_seconds
        if relative.endswith("+padded"):
            padded.append(f"{agent_name} {ratio:.2f}x")
        else:
            per_agent.setdefault(agent_name, []).append((agent_seconds, bare_seconds, items))
        rows.append(
            f"{agent_name:<11} {relative:<70} {len(body) / 1024:>6.0f} {items:>5} {agent_seconds * 1000:>9.2f} "
            f"{bare_seconds * 1000:>8.2f} {bare_name:<10} {ratio:>5.2f}x {1 / agent_seconds:>8.0f} {items / agent_seconds:>9.0f}"
        )
        print(f"  [{index}/{len(rows_to_time)}] {agent_name} {relative}: {ratio:.2f}x bare", file=sys.stderr, flush=True)

    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    print()
    print("Per agent, on the captures as they are (padded rows excluded):")
    print(f"{'agent':<11} {'pages/s':>8} {'listings/s':>11} {'agent/bare':>11}  target")
    failing = []
    for agent_name, samples in per_agent.items():
        agent_total = sum(s[0] for s in samples)
        bare_total = sum(s[1] for s in samples)
        items = sum(s[2] for s in samples)
        ratio = agent_total / bare_total
        html = agent_name in {"ebay_html", "craigslist", "facebook", "jsonld", "selectors"}
        verdict = ("ok" if ratio <= 3 else "OVER 3x") if html else "n/a (not HTML)"
        if html and ratio > 3:
            failing.append(agent_name)
        print(f"{agent_name:<11} {len(samples) / agent_total:>8.0f} {items / agent_total:>11.0f} {ratio:>10.2f}x  {verdict}")
    print()
    print("Padded to ~1 MB (synthetic, see pad()): " + ", ".join(padded))
    print("Summary: " + ("every HTML agent is within 3x of a bare parse." if not failing else f"over 3x: {', '.join(failing)}"))


if __name__ == "__main__":
    main()
