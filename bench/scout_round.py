"""One scouting round at scale: 1,000 searches over 100 distinct queries.

    python bench/scout_round.py [--searches 1000] [--queries 100] [--rpm 1200] [--workers 4] [--latency 0.05]

Builds a throw-away SQLite database (the embedded default) with one marketplace served
by a local HTTP server that answers every search in 50 ms, claims every due search as
the dispatcher does, groups them by ScoutQuery, and runs the groups' ``scout`` tasks
on a pool of worker threads through the real polite client (shared rate limit in the
database cache). Prints the fetches the marketplace saw (must equal the number of
distinct queries) and the round's wall time next to the lower bound the rate limit
and the latency allow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Shop(BaseHTTPRequestHandler):
    latency = 0.05
    fetches = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain")
            return
        with Shop.lock:
            Shop.fetches += 1
        time.sleep(Shop.latency)
        query = parse_qs(parts.query).get("q", [""])[0]
        items = [
            {
                "@type": "Product",
                "sku": f"{query}-{n}",
                "name": f"{query} item {n}",
                "offers": {"@type": "Offer", "price": str(100 + 10 * n), "priceCurrency": "USD", "url": f"/item/{query}-{n}"},
            }
            for n in range(8)
        ]
        page = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items}
        self._send(f'<html><script type="application/ld+json">{json.dumps(page)}</script></html>'.encode(), "text/html")

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rpm", type=int, default=1200, help="the marketplace's requests per minute")
    parser.add_argument("--workers", type=int, default=4, help="scout tasks running at once (qcluster workers)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server takes per search page")
    parser.add_argument(
        "--no-alerts", action="store_true", help="searches that alert on nothing: times scouting and matching without alert queueing"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="scout-round-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")
    os.environ.setdefault("LOG_LEVEL", "warning")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    print(f"Preparing a throw-away database in {workdir} ...", flush=True)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from accounts.models import User
    from listings.models import Marketplace, ScrapeRun
    from searches.models import Search
    from searches.services import group_by_scout_query, scout_group_run, searches_claim_due

    Shop.latency = args.latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    marketplace = Marketplace.objects.create(
        slug="bench-shop",
        name="Bench shop",
        agent="jsonld",
        base_url=f"http://127.0.0.1:{server.server_port}",
        allow_private_network=True,
        requests_per_minute=args.rpm,
    )
    owners = [User.objects.create_user(f"bench{n}@example.test", None) for n in range(10)]
    print(f"Creating {args.searches} searches over {args.queries} distinct queries ...", flush=True)
    searches = Search.objects.bulk_create(
        [
            Search(
                owner=owners[n % len(owners)],
                name=f"s{n}",
                query=f"widget{n % args.queries}",
                next_run_at=timezone.now(),
                alert_on_new=not args.no_alerts,
                alert_on_price_drop=not args.no_alerts,
            )
            for n in range(args.searches)
        ]
    )
    Search.marketplaces.through.objects.bulk_create(
        [Search.marketplaces.through(search_id=search.pk, marketplace_id=marketplace.pk) for search in searches]
    )

    print(
        f"Running one round with {args.workers} workers, rate limit {args.rpm}/min, {args.latency * 1000:.0f} ms per page ...", flush=True
    )
    started = time.perf_counter()
    claimed = searches_claim_due(now=timezone.now())
    groups = group_by_scout_query([search.pk for search in claimed])
    done = 0
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def scout(item: tuple) -> None:  # type: ignore[type-arg]
        nonlocal done
        query, ids = item
        try:
            result = scout_group_run(query=query, search_ids=ids)
        finally:
            connection.close()
        with lock:
            done += 1
            statuses[result.outcome.run.status] = statuses.get(result.outcome.run.status, 0) + 1
            if done % 20 == 0 or done == len(groups):
                print(f"  {done}/{len(groups)} queries scouted ({time.perf_counter() - started:.1f} s)", flush=True)

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(scout, groups.items()))
    wall = time.perf_counter() - started
    server.shutdown()

    interval = 60 / args.rpm
    # The rate limit lets the first fetch go at once, then one per interval; each
    # worker can have one fetch in flight.
    bound_rate = (len(groups) - 1) * interval + args.latency
    bound_latency = len(groups) * args.latency / args.workers
    bound = max(bound_rate, bound_latency)
    print()
    print(f"{'searches claimed':<34} {len(claimed):>10}")
    print(f"{'distinct queries (scout tasks)':<34} {len(groups):>10}")
    verdict = "OK" if Shop.fetches == len(groups) == args.queries else f"EXPECTED {args.queries}"
    print(f"{'fetches the marketplace saw':<34} {Shop.fetches:>10}   {verdict}")
    print(f"{'scrape statuses':<34} {json.dumps(statuses):>10}")
    print(f"{'round wall time':<34} {wall:>9.2f}s")
    print(f"{'lower bound (rate limit)':<34} {bound_rate:>9.2f}s")
    print(f"{'lower bound (latency / workers)':<34} {bound_latency:>9.2f}s")
    print(f"{'wall / lower bound':<34} {wall / bound:>9.2f}x")
    scrape_seconds = sum(ScrapeRun.objects.values_list("duration_ms", flat=True)) / 1000
    print(f"{'fetch+parse+store, summed':<34} {scrape_seconds:>9.2f}s   (the rest: matching, scoring, alerts)")
    from alerts.models import Alert

    print(f"{'alerts created':<34} {Alert.objects.count():>10}")


if __name__ == "__main__":
    main()
