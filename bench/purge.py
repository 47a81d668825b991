"""Benchmark: the batched retention purge against one raw SQL DELETE of the same rows.

    python bench/purge.py [--listings 1000000] [--observations 2] [--batch-size 2000]

Seeds its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ds_purge_bench) with expired listings, their price
history, some matches (a few saved, which must survive) and some fresh listings, with
INSERT ... SELECT generate_series. Then, side by side in one run, re-seeding in between:

- purge: ``listings.privacy.purge_listings`` as the daily job runs it (chunks of primary
  keys, SKIP LOCKED, Django's collector for the cascade);
- raw: one SQL statement (data-modifying CTEs) deleting the same rows, cascade included.

It prints wall time, the ratio to the raw delete, peak memory (process RSS, sampled every
20 ms, and its growth over the start), and the longest single statement and transaction,
which bound how long any row lock is held. Targets: purge <= 2x raw, memory < 200 MB, no
statement holding locks for more than 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ds_purge_bench"


def setup_django(url: str) -> None:
    import psycopg

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")
    os.environ.setdefault("LOG_LEVEL", "warning")
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    print("migrating the benchmark database")
    call_command("migrate", verbosity=0)


@dataclass
class Figures:
    name: str
    deleted: dict[str, int]
    seconds: float
    peak_rss_mb: float
    rss_growth_mb: float
    longest_statement_s: float
    longest_transaction_s: float
    statements: int
    transactions: list[float]


@dataclass
class StatementTimer:
    """Times every SQL statement and every transaction (BEGIN to COMMIT) on the connection."""

    longest_statement: float = 0.0
    longest_transaction: float = 0.0
    statements: int = 0
    _tx_started: float | None = None
    transactions: list[float] = field(default_factory=list)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.statements += 1
            self.longest_statement = max(self.longest_statement, took)

    @contextmanager
    def transaction_hooks(self) -> Any:
        """Measure each transaction of the purge: atomic() turns autocommit off at BEGIN and
        back on after COMMIT, so the time between the two is how long its locks can live."""
        from django.db import connection

        original_set_autocommit = connection.set_autocommit

        def set_autocommit(autocommit: bool, force_begin_transaction_with_broken_autocommit: bool = False) -> None:
            if not autocommit:
                self._tx_started = time.perf_counter()
            elif self._tx_started is not None:
                self.transactions.append(time.perf_counter() - self._tx_started)
                self.longest_transaction = max(self.longest_transaction, self.transactions[-1])
                self._tx_started = None
            original_set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)

        connection.set_autocommit = set_autocommit  # type: ignore[method-assign]
        try:
            yield
        finally:
            connection.set_autocommit = original_set_autocommit  # type: ignore[method-assign]


class RssSampler:
    """Peak resident memory of this process, sampled in a thread."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.start_rss = self._process.memory_info().rss
        self.peak = self.start_rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def seed(*, listings: int, observations: int, fresh: int) -> dict[str, int]:
    """Expired listings with price history, matches (every 100th, every 1000th saved), fresh ones."""
    from django.db import connection

    from listings.models import Listing, Marketplace, PriceObservation
    from searches.models import Match, Search

    lt, pt, mt = Listing._meta.db_table, PriceObservation._meta.db_table, Match._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {lt}, {pt}, {mt}, alerts_alert, {Search._meta.db_table}, {Marketplace._meta.db_table}, "
            "accounts_user RESTART IDENTITY CASCADE"
        )
    from accounts.models import User

    user = User.objects.create_user("bench@example.org", "bench-password")
    marketplace = Marketplace.objects.create(slug="bench", name="Bench", agent="jsonld", base_url="http://127.0.0.1:9")
    search = Search.objects.create(owner=user, name="bench", query="bench")
    columns = (
        "marketplace_id, external_id, url, title, price, currency, condition, location, image_url, seller, "
        "first_seen_at, last_seen_at, is_active, raw, dedupe_key"
    )
    values = (
        "%(m)s, %(prefix)s || g, 'http://127.0.0.1:9/item/' || %(prefix)s || g, 'Bench listing number ' || g, mod(g, 500) + 10, "
        "'USD', 'used', 'Somewhere', '', 'seller ' || mod(g, 1000), now() - %(age)s * interval '1 day', "
        "now() - %(age)s * interval '1 day', %(active)s, '{}'::jsonb, 'bench listing number ' || g"
    )
    insert = f"INSERT INTO {lt} ({columns}) SELECT {values} FROM generate_series(1, %(n)s) AS g"  # noqa: S608 - constants
    with connection.cursor() as cursor:
        cursor.execute(insert, {"m": marketplace.pk, "prefix": "ext-", "age": 60, "active": False, "n": listings})
        cursor.execute(insert, {"m": marketplace.pk, "prefix": "fresh-", "age": 1, "active": True, "n": fresh})
        cursor.execute(
            f"INSERT INTO {pt} (listing_id, price, currency, observed_at) "  # noqa: S608
            f"SELECT l.id, l.price + s, 'USD', l.last_seen_at - s * interval '1 day' FROM {lt} l, generate_series(1, %s) AS s",
            [observations],
        )
        cursor.execute(
            f"INSERT INTO {mt} (search_id, listing_id, matched_at, saved, dismissed, score_explanation) "  # noqa: S608
            f"SELECT %s, id, now(), mod(id, 1000) = 0, false, '' FROM {lt} WHERE mod(id, 100) = 0",
            [search.pk],
        )
    previous = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {lt}, {pt}, {mt}")
    connection.set_autocommit(previous)
    counts = {
        "listings": Listing.objects.count(),
        "price_observations": PriceObservation.objects.count(),
        "matches": Match.objects.count(),
        "saved": Match.objects.filter(saved=True).count(),
    }
    print(f"  seeded {counts} in {time.perf_counter() - started:.1f}s")
    return counts


def run_purge(*, batch_size: int) -> Figures:
    from django.db import connection
    from django.utils import timezone

    from accounts.retention import PurgeContext
    from listings.privacy import purge_listings

    timer = StatementTimer()
    last_print = [time.monotonic()]

    def progress(kind: str, done: int) -> None:
        if time.monotonic() - last_print[0] >= 5:
            last_print[0] = time.monotonic()
            print(f"    {kind}: {done:,} deleted")

    context = PurgeContext(now=timezone.now(), batch_size=batch_size, progress=progress)
    with RssSampler() as rss, connection.execute_wrapper(timer), timer.transaction_hooks():
        started = time.perf_counter()
        deleted = purge_listings(context)
        seconds = time.perf_counter() - started
    return Figures(
        name=f"batched purge ({batch_size}/tx)",
        deleted=deleted,
        seconds=seconds,
        peak_rss_mb=rss.peak / 2**20,
        rss_growth_mb=(rss.peak - rss.start_rss) / 2**20,
        longest_statement_s=timer.longest_statement,
        longest_transaction_s=timer.longest_transaction,
        statements=timer.statements,
        transactions=timer.transactions,
    )


def run_raw() -> Figures:
    """The same rows, cascade included, in one statement (and so one transaction)."""
    from django.conf import settings
    from django.db import connection

    cutoff = f"now() - interval '{settings.LISTING_RETENTION_DAYS} days'"
    sql = f"""
        WITH doomed AS (
            SELECT id FROM listings_listing
            WHERE last_seen_at < {cutoff}
              AND id NOT IN (SELECT listing_id FROM searches_match WHERE saved)
        ),
        po AS (DELETE FROM listings_priceobservation WHERE listing_id IN (SELECT id FROM doomed) RETURNING 1),
        m AS (DELETE FROM searches_match WHERE listing_id IN (SELECT id FROM doomed) RETURNING 1),
        a AS (DELETE FROM alerts_alert WHERE listing_id IN (SELECT id FROM doomed) RETURNING 1),
        l AS (DELETE FROM listings_listing WHERE id IN (SELECT id FROM doomed) RETURNING 1)
        SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM po), (SELECT count(*) FROM m), (SELECT count(*) FROM a)
    """  # noqa: S608 - constants only
    with RssSampler() as rss:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            listings, observations, matches, alerts = cursor.fetchone()
        seconds = time.perf_counter() - started
    deleted = {"listings": listings, "listings_priceobservation": observations, "searches_match": matches, "alerts_alert": alerts}
    return Figures(
        name="raw SQL DELETE (1 statement)",
        deleted=deleted,
        seconds=seconds,
        peak_rss_mb=rss.peak / 2**20,
        rss_growth_mb=(rss.peak - rss.start_rss) / 2**20,
        longest_statement_s=seconds,
        longest_transaction_s=seconds,
        statements=1,
        transactions=[seconds],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=1_000_000, help="expired listings to seed")
    parser.add_argument("--observations", type=int, default=2, help="price observations per listing")
    parser.add_argument("--fresh", type=int, default=50_000, help="listings that are not expired")
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("BENCH_DATABASE_URL must be a PostgreSQL URL")
    setup_django(url)

    from listings.models import Listing

    results = []
    print(f"1/2 seeding {args.listings:,} expired listings x {args.observations} observations for the batched purge")
    seeded = seed(listings=args.listings, observations=args.observations, fresh=args.fresh)
    print("    purging in batches...")
    results.append(run_purge(batch_size=args.batch_size))
    survivors_purge = Listing.objects.count()
    print("2/2 re-seeding for the raw DELETE")
    seed(listings=args.listings, observations=args.observations, fresh=args.fresh)
    print("    one raw DELETE...")
    results.append(run_raw())
    survivors_raw = Listing.objects.count()

    purge, raw = results
    print()
    print(
        f"{args.listings:,} expired listings, {args.observations} price observations each, {args.fresh:,} fresh, "
        f"{seeded['saved']:,} saved (kept); PostgreSQL"
    )
    header = (
        f"{'method':<30} {'listings':>9} {'obs':>9} {'matches':>8} {'time s':>8} {'vs raw':>7} "
        f"{'peak RSS MB':>11} {'RSS +MB':>8} {'longest stmt s':>14} {'longest tx s':>12} {'stmts':>7}"
    )
    print(header)
    print("-" * len(header))
    for fig in results:
        print(
            f"{fig.name:<30} {fig.deleted.get('listings', 0):>9,} {fig.deleted.get('listings_priceobservation', 0):>9,} "
            f"{fig.deleted.get('searches_match', 0):>8,} {fig.seconds:>8.2f} {fig.seconds / raw.seconds:>6.2f}x "
            f"{fig.peak_rss_mb:>11.1f} {fig.rss_growth_mb:>8.1f} {fig.longest_statement_s:>14.3f} "
            f"{fig.longest_transaction_s:>12.3f} {fig.statements:>7,}"
        )
    same = purge.deleted.get("listings") == raw.deleted["listings"] and survivors_purge == survivors_raw
    ratio = purge.seconds / raw.seconds
    print()
    print(f"same rows deleted by both: {'yes' if same else 'NO'} ({survivors_purge:,} listings left)")
    print(f"target time <= 2x raw:          {'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}x)")
    print(f"target memory < 200 MB:         {'met' if purge.peak_rss_mb < 200 else 'MISSED'} ({purge.peak_rss_mb:.0f} MB peak RSS)")
    print(
        f"target no lock held > 1 s:      {'met' if purge.longest_transaction_s <= 1 else 'MISSED'} "
        f"(longest transaction {purge.longest_transaction_s:.3f}s; the raw DELETE holds its locks {raw.seconds:.1f}s)"
    )
    spans = sorted(purge.transactions)
    if spans:
        p50, p99 = spans[len(spans) // 2], spans[min(len(spans) - 1, int(len(spans) * 0.99))]
        slow = sum(1 for span in spans if span > 0.5)
        print(f"purge transactions: {len(spans):,}, median {p50:.3f}s, p99 {p99:.3f}s, max {spans[-1]:.3f}s, over 0.5 s: {slow}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
