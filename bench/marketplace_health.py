"""How much the marketplaces' health costs: ours against a per-marketplace loop.

    python bench/marketplace_health.py [--marketplaces 100] [--runs 1000] [--repeat 5] [--database-url URL]

Builds a throw-away SQLite database (or uses ``--database-url``, e.g. a scratch
PostgreSQL database: its listings tables are emptied) with that many marketplaces and
scrape runs each, then times ``listings.selectors.marketplace_health`` for all of them
next to the obvious loop (for each marketplace: its last runs, its last good run, its
first failure since, its last error, its runs and failures in the last hour), which is
what a page without the selector would do. Prints
queries and milliseconds per call for both, and the ratio, side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marketplaces", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1000, help="scrape runs per marketplace")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ds-bench-health-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")
    os.environ.setdefault("LOG_LEVEL", "warning")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from listings.models import Marketplace, ScrapeRun
    from listings.selectors import GOOD_STATUSES, RECENT_RUNS, marketplace_health

    print(f"database: {connection.vendor}; building {args.marketplaces} marketplaces x {args.runs} runs ...", flush=True)
    call_command("migrate", verbosity=0)
    Marketplace.objects.all().delete()
    now = timezone.now()
    statuses = ["ok", "ok", "ok", "blocked", "timeout", "empty", "http_error"]
    markets = Marketplace.objects.bulk_create(
        [Marketplace(slug=f"m{n}", name=f"M{n}", agent="jsonld", base_url="https://m.example") for n in range(args.marketplaces)]
    )
    batch = []
    for index, market in enumerate(markets):
        for n in range(args.runs):
            # Every third marketplace has been failing for its last 30 runs (7.5 hours: down).
            status = "blocked" if index % 3 == 0 and n < 30 else statuses[(index + n) % len(statuses)]
            batch.append(ScrapeRun(marketplace=market, status=status, started_at=now - timedelta(minutes=15 * n)))
        if len(batch) >= 20000:
            ScrapeRun.objects.bulk_create(batch, batch_size=5000)
            batch = []
    ScrapeRun.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum keeps them in production
        cursor.execute("ANALYZE")
    ids = [market.pk for market in markets]

    def loop() -> None:
        for market_id in ids:
            runs = ScrapeRun.objects.filter(marketplace_id=market_id).order_by("-started_at")
            recent = list(runs.values_list("status", "started_at")[:RECENT_RUNS])
            last_good = runs.filter(status__in=GOOD_STATUSES).values_list("started_at", flat=True).first()
            failures = runs.exclude(status__in=GOOD_STATUSES)
            if last_good is not None:
                failures = failures.filter(started_at__gt=last_good)
            failures.order_by("started_at").values_list("started_at", flat=True).first() if recent else None
            failed = runs.exclude(status__in=GOOD_STATUSES)
            failed.values_list("error", flat=True).first()
            hour_ago = timezone.now() - timedelta(hours=1)
            failed.filter(started_at__gte=hour_ago).count()
            runs.filter(started_at__gte=hour_ago).count()

    def timed(function: object) -> tuple[int, float]:
        with CaptureQueriesContext(connection) as queries:
            function()  # type: ignore[operator]
        started = time.perf_counter()
        for _ in range(args.repeat):
            function()  # type: ignore[operator]
        return len(queries), (time.perf_counter() - started) / args.repeat * 1000

    ours_q, ours_ms = timed(lambda: marketplace_health(marketplace_ids=ids))
    loop_q, loop_ms = timed(loop)
    print(f"{'':<28}{'queries':>10}{'ms/call':>12}")
    print(f"{'marketplace_health':<28}{ours_q:>10}{ours_ms:>12.1f}")
    print(f"{'per-marketplace loop':<28}{loop_q:>10}{loop_ms:>12.1f}")
    print(f"ratio (loop / ours): {loop_ms / ours_ms:.1f}x time, {loop_q / ours_q:.0f}x queries")
    states: dict[str, int] = {}
    for health in marketplace_health(marketplace_ids=ids).values():
        states[health.state] = states.get(health.state, 0) + 1
    print(f"states: {dict(sorted(states.items()))}")


if __name__ == "__main__":
    main()
