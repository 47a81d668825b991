"""Scale benchmark: one scouting round of many searches on PostgreSQL, Redis and several qclusters.

    python bench/scale.py [--searches 100000] [--queries 10000] [--clusters 2] [--workers 3]
                          [--rpm 300,280,260,240] [--latency 0.08] [--max-minutes 25] [--reseed]

Starts and stops everything itself: a farm of fake marketplaces (one loopback port each,
its own rate limit, answers that take --latency seconds give or take half, 429 past the
limit) with an SMTP sink (aiosmtpd), and --clusters ``manage.py qcluster`` processes on
PostgreSQL and the Redis broker. The searches (each on one marketplace; --queries distinct
queries) are seeded with COPY once and kept between runs (a fingerprint row says what is
there); each run empties what a round writes and makes every search due at once.

A few probe searches (--probes, 5-minute interval, instant e-mail) watch queries on which
a new item appears every 30 s, under the round's load: the time from an item's
appearance on the farm to its e-mail's arrival at the SMTP sink is the listing-to-alert
latency. A probe's page shows its newest 60 items (eBay's default page), so an item
falls off only when its probe is half an hour late. Every item that appeared early
enough to be alerted within the target (the interval + 2 minutes before the run stops)
counts: one that never reached the sink counts as infinitely late, so the p95 cannot
look good by losing the late ones. The run goes on for that long after the round; the
population's next round is pushed out of the run then (a run that reached it would count
its fetches and claims as the first round's), so the tail is the probes' alone. The
population's searches alert on nothing (a round's first sighting of every
listing would be a million e-mails); their matches are still written and scored.

Prints, while it runs, the queue depth and fetches; at the end the dispatch time per tick,
fetches per round against the distinct queries, the round's wall time against the
rate-limit lower bound, rows written per second, peak memory per worker process,
lateness, the listing-to-alert p50/p95, and one line per target, met or missed
(``--strict``: exit non-zero when one is missed).

Needs PostgreSQL (BENCH_SCALE_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ds_perf_bench_scale)
and Redis (BENCH_SCALE_REDIS_URL, default redis://127.0.0.1:6379/11; emptied at start).
Ports: BENCH_SCALE_PORT (default 9710) and the next ones for the farm, +10 for SMTP.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ds_perf_bench_scale")
REDIS_URL = os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/11")
BASE_PORT = int(os.environ.get("BENCH_SCALE_PORT", "9710"))
SEED_VERSION = 1
SEARCHES_PER_USER = 10
ITEMS_PER_PAGE = 8
PROBE_SHELF = 60  # a probe page's newest items: eBay's default page size
PROBE_PERIOD = 30.0  # a new item on each probe query every 30 s
PROBE_INTERVAL_MINUTES = 5
TICK_SECONDS = 60

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "dealscout.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "FIELD_ENCRYPTION_KEY": "rUsV4iKpi4PE9jEftAPg06G5_Jf6XTX7xaxsX1fp8L8=",  # bench only
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "ENVIRONMENT": "bench",
    "SERVICE_NAME": "dealscout-scale-bench",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(BASE_PORT + 10),
    "DEFAULT_FROM_EMAIL": "bench@example.com",
    "SCOUT_MAX_RETRIES": "2",
}


def say(message: str) -> None:
    print(f"[scale] {message}", flush=True)


# --- The farm (a child process: python bench/scale.py --farm ...) ---------------------


class Farm(BaseHTTPRequestHandler):
    latency = 0.08
    rpm = 300
    started = 0.0
    lock = threading.Lock()
    stats: dict[str, int] = {}
    last: list[float] = [0.0, 3.0]
    fetched: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        shop = type(self)  # one subclass per port: its own limit, counters and clock
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            return
        if parts.path == "/__stats":
            with shop.lock:
                body = json.dumps({"fetches": sum(shop.fetched.values()), "distinct": len(shop.fetched), **shop.stats}).encode()
            self._send(200, body, "application/json")
            return
        query = parse_qs(parts.query).get("q", [""])[0]
        now = time.monotonic()
        with shop.lock:
            # The site's own limit: a token bucket refilled at 10% over the announced rate,
            # holding 3 requests (arrival jitter), so that only a client that does not pace
            # itself sees 429s.
            rate = self.rpm * 1.1 / 60
            tokens = min(3.0, shop.last[1] + (now - shop.last[0]) * rate)
            refused = tokens < 1
            shop.last[:] = [now, tokens if refused else tokens - 1]
            if refused:
                shop.stats["refused_429"] = shop.stats.get("refused_429", 0) + 1
            else:
                shop.fetched[query] = shop.fetched.get(query, 0) + 1
        if refused:
            self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return
        time.sleep(self.latency * random.uniform(0.5, 1.5))  # noqa: S311 - not security
        self._send(200, page(query, time.time() - shop.started), "text/html")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def page(query: str, age: float) -> bytes:
    """A JSON-LD item list: a fixed shelf per query; probe queries gain an item every PROBE_PERIOD."""
    if query.startswith("probe"):
        newest = int(age // PROBE_PERIOD)
        numbers = range(max(0, newest - PROBE_SHELF + 1), newest + 1)
    else:
        numbers = range(ITEMS_PER_PAGE)
    items = [
        {
            "@type": "Product",
            "sku": f"{query}-{n}",
            "name": f"{query} item {n}",
            "offers": {"@type": "Offer", "price": str(100 + 10 * (n % 20)), "priceCurrency": "USD", "url": f"/item/{query}-{n}"},
        }
        for n in numbers
    ]
    body = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items}
    return f'<html><script type="application/ld+json">{json.dumps(body)}</script></html>'.encode()


def run_farm(ports: list[int], rpms: list[int], latency: float, started: float, smtp_port: int, mail_log: str) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's name
            with open(mail_log, "a") as handle:
                handle.write(json.dumps({"at": time.time(), "body": envelope.content.decode("utf-8", "replace")}) + "\n")  # type: ignore[attr-defined]
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    servers = []
    for port, rpm in zip(ports, rpms, strict=True):
        handler = type(
            f"Farm{port}",
            (Farm,),
            {
                "rpm": rpm,
                "latency": latency,
                "started": started,
                "stats": {},
                "last": [time.monotonic(), 3.0],
                "fetched": {},
                "lock": threading.Lock(),
            },
        )
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("farm ready", flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()
    controller.stop()


# --- Seeding --------------------------------------------------------------------------


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(SERVER_ENV)
    os.environ.setdefault("LOG_LEVEL", "warning")
    import django

    django.setup()


def fingerprint(args: argparse.Namespace) -> str:
    spec = {"v": SEED_VERSION, "searches": args.searches, "queries": args.queries, "markets": len(args.rpm), "probes": args.probes}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _copy_rows(cursor: object, model: type, fields: list[str], rows: object, *, total: int, label: str) -> None:
    """COPY rows (tuples in the order of ``fields``) into a model's table, with a progress line."""
    from django.db import connection

    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    done = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:  # type: ignore[attr-defined]
            copy.write_row(row)
            done += 1
            if done % 20000 == 0 or done == total:
                print(f"\r[scale]   {label}: {done:,}/{total:,}", end="", flush=True)
    print()


def _template(instance: object, skip: set[str]) -> tuple[list[str], list[object]]:
    """Every concrete column of a model instance with its database value (defaults included)."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    fields, values = [], []
    for field in instance._meta.concrete_fields:  # type: ignore[attr-defined]
        if field.attname in skip or field.primary_key:
            continue
        # pre_save: what a save would write (auto_now and auto_now_add included).
        value = field.get_db_prep_save(field.pre_save(instance, True), connection)
        if field.get_internal_type() == "JSONField":
            value = Jsonb(getattr(instance, field.attname))
        fields.append(field.attname)
        values.append(value)
    return fields, values


def seed(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import NotificationPreferences, User
    from listings.models import Marketplace
    from searches.models import Search

    mark = fingerprint(args)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_scale_seed (fingerprint text PRIMARY KEY)")
        cursor.execute("SELECT fingerprint FROM bench_scale_seed")
        row = cursor.fetchone()
    total = args.searches + args.probes
    if not args.reseed and row and row[0] == mark and Search.objects.count() == total:
        say(f"seed cached ({mark}): {total:,} searches; reusing them")
        return
    say(f"seeding {args.searches:,} searches over {args.queries:,} queries, {args.probes} probes (COPY)")
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user, listings_marketplace, bench_scale_seed RESTART IDENTITY CASCADE")
    markets = [
        Marketplace.objects.create(
            slug=f"farm-{n}", name=f"Farm {n}", agent="jsonld", base_url=f"http://127.0.0.1:{BASE_PORT + n}", allow_private_network=True
        )
        for n in range(len(args.rpm))
    ]
    users = (args.searches + SEARCHES_PER_USER - 1) // SEARCHES_PER_USER + args.probes
    password = make_password("bench-password-1")
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        fields, values = _template(User(email="x", name="x", password=password), skip={"email", "name"})
        _copy_rows(
            raw, User, ["id", "email", "name", *fields], ((n + 1, f"scale{n}@example.com", f"Scale {n}", *values) for n in range(users)),
            total=users, label="users",
        )  # fmt: skip
        fields, values = _template(NotificationPreferences(user_id=1, hourly_cap=100000), skip={"user_id"})
        _copy_rows(
            raw, NotificationPreferences, ["user_id", *fields], ((n + 1, *values) for n in range(users)), total=users, label="preferences"
        )
        fields, values = _template(
            Search(owner_id=1, name="x", query="x", next_run_at=now, alert_on_new=False, alert_on_price_drop=False, interval_minutes=args.interval),
            skip={"owner_id", "name", "query", "next_run_at"},
        )  # fmt: skip
        population = ((n + 1, n // SEARCHES_PER_USER + 1, f"s{n}", f"widget{n % args.queries}", now, *values) for n in range(args.searches))
        _copy_rows(
            raw, Search, ["id", "owner_id", "name", "query", "next_run_at", *fields], population, total=args.searches, label="searches"
        )
        through = Search.marketplaces.through
        links = ((n + 1, markets[(n % args.queries) % len(markets)].pk) for n in range(args.searches))
        _copy_rows(raw, through, ["search_id", "marketplace_id"], links, total=args.searches, label="search marketplaces")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{User._meta.db_table}', 'id'), {users})")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Search._meta.db_table}', 'id'), {args.searches})")
    for k in range(args.probes):
        probe = Search.objects.create(
            owner_id=users - args.probes + k + 1, name=f"probe {k}", query=f"probe{k}", next_run_at=now,
            interval_minutes=PROBE_INTERVAL_MINUTES, alert_on_new=True, alert_on_price_drop=False,
        )  # fmt: skip
        probe.marketplaces.add(markets[k % len(markets)])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_scale_seed VALUES (%s)", [mark])
        cursor.execute("ANALYZE")
    say(f"seeded in {time.monotonic() - started:.0f} s")


def reset_round(args: argparse.Namespace) -> datetime:
    """Empty what a round writes, point the marketplaces at this run's farm, make everything due."""
    import redis
    from django.db import connection
    from django.utils import timezone
    from django_q.models import Schedule

    from listings.models import Marketplace
    from searches.models import Search

    redis.Redis.from_url(REDIS_URL).flushdb()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE listings_listing, listings_scraperun, alerts_alert, django_q_task, django_q_ormq CASCADE")
    for n, rpm in enumerate(args.rpm):
        Marketplace.objects.filter(slug=f"farm-{n}").update(
            base_url=f"http://127.0.0.1:{BASE_PORT + n}", requests_per_minute=rpm, enabled=True
        )
    due = timezone.now()
    Search.objects.update(next_run_at=due, last_run_at=None, is_active=True)
    # The first tick at once; then every minute, as in production.
    Schedule.objects.filter(name__in=["dispatch-due-searches", "deliver-due-alerts"]).update(next_run=due)
    return due


# --- The run --------------------------------------------------------------------------


def start_clusters(args: argparse.Namespace, logdir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, **SERVER_ENV, "Q_WORKERS": str(args.workers), "LOG_FORMAT": "json", "LOG_LEVEL": "info"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    clusters = []
    for n in range(args.clusters):
        out = open(logdir / f"qcluster-{n}.log", "w")  # noqa: SIM115 - closed with the process
        clusters.append(
            subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        )
    # The dispatcher's own small cluster (settings.DISPATCH_CLUSTER): its ticks never wait
    # behind the round's scouts on the default queue.
    out = open(logdir / "qcluster-dispatch.log", "w")  # noqa: SIM115 - closed with the process
    dispatch_env = {**env, "Q_CLUSTER_NAME": "dealscout-dispatch", "Q_DISPATCH_WORKERS": "1"}
    clusters.append(
        subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=dispatch_env, stdout=out, stderr=subprocess.STDOUT)
    )
    return clusters


def tree_memory(processes: list[subprocess.Popen], peaks: dict[int, float]) -> None:
    import psutil

    for process in processes:
        try:
            parent = psutil.Process(process.pid)
            for child in [parent, *parent.children(recursive=True)]:
                rss = child.memory_info().rss / 2**20
                peaks[child.pid] = max(peaks.get(child.pid, 0.0), rss)
        except psutil.NoSuchProcess:
            continue


def dispatch_ticks(logdir: Path) -> list[dict[str, object]]:
    ticks = []
    for path in sorted(logdir.glob("qcluster-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if '"dispatch_finished"' in line:
                try:
                    ticks.append(json.loads(line))
                except ValueError:
                    continue
    return sorted(ticks, key=lambda t: str(t.get("timestamp", "")))


def alert_latencies(mail_log: Path, farm_started: float, *, probes: int, due_by: float) -> tuple[list[float], int, int]:
    """``(latencies, due, missed)`` for the probe items that appeared early enough to be alerted in time.

    An item appeared at ``farm_started + n * PROBE_PERIOD`` (n >= 1: after the run began);
    it is due if that is before ``due_by`` (the interval + 2 minutes before the run
    stopped). A due item whose e-mail never arrived is missed, and its latency is infinite.
    """
    first_mail: dict[tuple[int, int], float] = {}
    if mail_log.exists():
        for line in mail_log.read_text().splitlines():
            record = json.loads(line)
            message = message_from_bytes(record["body"].encode(), policy=email_policy.default)
            part = message.get_body(preferencelist=("plain", "html"))
            text = part.get_content() if part is not None else ""
            for found in re.finditer(r"/item/probe(\d+)-(\d+)", text):
                key = (int(found.group(1)), int(found.group(2)))
                first_mail[key] = min(first_mail.get(key, record["at"]), record["at"])
    latencies: list[float] = []
    due = missed = 0
    last = int((due_by - farm_started) // PROBE_PERIOD)
    for probe in range(probes):
        for number in range(1, last + 1):
            due += 1
            at = first_mail.get((probe, number))
            if at is None:
                missed += 1
                latencies.append(float("inf"))
            else:
                latencies.append(at - (farm_started + number * PROBE_PERIOD))
    return latencies, due, missed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--probes", type=int, default=12, help="probe searches that measure listing-to-alert latency")
    parser.add_argument("--interval", type=int, default=15, help="the population's search interval, minutes")
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="workers per qcluster")
    parser.add_argument("--rpm", default="300,280,260,240", help="each fake marketplace's requests per minute")
    parser.add_argument("--latency", type=float, default=0.08, help="seconds a fake marketplace takes per answer (+-50%%)")
    parser.add_argument("--max-minutes", type=float, default=25.0, help="stop the run after this long")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--farm", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.farm:
        spec = json.loads(args.farm)
        run_farm(spec["ports"], spec["rpms"], spec["latency"], spec["started"], spec["smtp_port"], spec["mail_log"])
        return
    args.rpm = [int(x) for x in args.rpm.split(",")]

    ensure_database()
    setup_django()
    from django.core.management import call_command

    say("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    seed(args)
    due = reset_round(args)

    import tempfile

    logdir = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    mail_log = logdir / "mail.jsonl"
    farm_started = time.time()
    ports = [BASE_PORT + n for n in range(len(args.rpm))]
    spec = {
        "ports": ports,
        "rpms": args.rpm,
        "latency": args.latency,
        "started": farm_started,
        "smtp_port": BASE_PORT + 10,
        "mail_log": str(mail_log),
    }
    farm = subprocess.Popen([sys.executable, __file__, "--farm", json.dumps(spec)], stdout=subprocess.PIPE, text=True)
    assert farm.stdout is not None
    if "farm ready" not in farm.stdout.readline():
        raise SystemExit("the marketplace farm did not start")
    say(
        f"farm: {len(ports)} marketplaces on ports {ports[0]}-{ports[-1]} ({', '.join(f'{r}/min' for r in args.rpm)}), SMTP sink on {BASE_PORT + 10}"
    )

    from django.db.models import F
    from django_q.brokers import get_broker

    from listings.models import Listing, PriceObservation, ScrapeRun
    from searches.models import Match, Search

    broker = get_broker()
    say(f"starting {args.clusters} qclusters x {args.workers} workers and the dispatch cluster; logs in {logdir}")
    clusters = start_clusters(args, logdir)
    peaks: dict[int, float] = {}
    depth: list[tuple[float, int, int]] = []
    started = time.monotonic()
    deadline = started + args.max_minutes * 60
    population = ScrapeRun.objects.exclude(query__startswith="probe")
    finished_at = None
    try:
        while time.monotonic() < deadline:
            time.sleep(5)
            dead = [c for c in clusters if c.poll() is not None]
            if dead:
                print()
                raise SystemExit(f"a qcluster exited ({dead[0].returncode}); see {logdir}")
            tree_memory(clusters, peaks)
            queued = broker.queue_size() or 0
            fetched = population.count()
            elapsed = time.monotonic() - started
            depth.append((elapsed, queued, fetched))
            print(
                f"\r[scale]   {elapsed:6.0f} s: queue depth {queued:6,}, population fetches {fetched:,}/{args.queries:,}   ",
                end="",
                flush=True,
            )
            if fetched >= args.queries and queued == 0 and finished_at is None:
                finished_at = time.monotonic()
                print()
                # One round is measured: the population's next one (due one interval after
                # its claim, within the tail with the default 15 minutes) stays out of the run.
                Search.objects.exclude(query__startswith="probe").update(next_run_at=F("next_run_at") + timedelta(days=1))
                say(f"round done in {elapsed:.0f} s; {PROBE_INTERVAL_MINUTES * 60 + 130} s more for the probes' alerts")
            # After the round, one interval + 2 minutes more: every probe item that appeared
            # during the round has had the target's time to reach the SMTP sink.
            if finished_at is not None and time.monotonic() - finished_at > PROBE_INTERVAL_MINUTES * 60 + 120 + 10:
                break
        print()
    finally:
        stopped_wall = time.time()
        for cluster in clusters:
            cluster.send_signal(signal.SIGTERM)
        for cluster in clusters:
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cluster.kill()
        import urllib.request

        farm_stats = [json.loads(urllib.request.urlopen(f"http://127.0.0.1:{p}/__stats", timeout=5).read()) for p in ports]  # noqa: S310
        farm.send_signal(signal.SIGTERM)
        farm.wait(timeout=15)

    # --- Figures ---
    runs = list(population.order_by("started_at").values_list("started_at", "duration_ms", "marketplace_id", "query", "status"))
    from django.db.models import Min

    first_claim = Search.objects.exclude(query__startswith="probe").aggregate(first=Min("last_run_at"))["first"]
    first_dispatch = first_claim or due
    round_end = max((r[0] + timedelta(milliseconds=r[1]) for r in runs), default=None)
    round_wall = (round_end - first_dispatch).total_seconds() if round_end else float("nan")
    per_market: dict[int, int] = {}
    for run in runs:
        per_market[run[2]] = per_market.get(run[2], 0) + 1
    queries_per_market = [sum(1 for q in range(args.queries) if q % len(args.rpm) == n) for n in range(len(args.rpm))]
    bound = max((count - 1) * 60 / rpm for count, rpm in zip(queries_per_market, args.rpm, strict=True)) + args.latency
    distinct = len({(r[2], r[3]) for r in runs})
    statuses: dict[str, int] = {}
    for run in runs:
        statuses[run[4]] = statuses.get(run[4], 0) + 1
    rows = Listing.objects.count() + Match.objects.count() + PriceObservation.objects.count()
    claimed = Search.objects.filter(last_run_at__isnull=False).exclude(query__startswith="probe")
    latest_claim = max(claimed.values_list("last_run_at", flat=True), default=None)
    unclaimed = Search.objects.filter(last_run_at__isnull=True).count()
    lateness = (latest_claim - due).total_seconds() if latest_claim else float("nan")
    ticks = dispatch_ticks(logdir)
    interval_s = PROBE_INTERVAL_MINUTES * 60
    latencies, items_due, items_missed = alert_latencies(mail_log, farm_started, probes=args.probes, due_by=stopped_wall - interval_s - 120)
    workers = {pid: mb for pid, mb in peaks.items()}

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.searches:,} searches over {args.queries:,} distinct queries on {len(args.rpm)} marketplaces; "
          f"{args.clusters} qclusters x {args.workers} workers; {os.cpu_count()} CPUs, load average {load}")  # fmt: skip
    print()
    print("dispatch ticks (from the clusters' dispatch_finished log lines):")
    print(f"  {'time':26} {'claimed':>9} {'scouts':>8} {'batches':>8} {'ms':>8} {'handed over':>12}")
    for tick in ticks:
        if tick.get("claimed"):
            print(f"  {str(tick.get('timestamp', ''))[:26]:26} {tick['claimed']:9,} {tick.get('scouts_queued', 0):8,} "
                  f"{tick.get('batches', 0):8} {tick.get('duration_ms', 0):8,} {str(tick.get('handed_over')):>12}")  # fmt: skip
    print()
    print("queue depth over time (every ~30 s):")
    for elapsed, queued, fetched in depth[::6]:
        print(f"  {elapsed:6.0f} s  queue {queued:7,}  population fetches {fetched:7,}")
    print()
    wide = 44
    print(
        f"{'population fetches (ScrapeRun rows)':{wide}} {len(runs):>10,}   distinct (marketplace, query): {distinct:,}; statuses {statuses}"
    )
    print(
        f"{'fetches the farm answered (all, incl. probes)':{wide}} {sum(s['fetches'] for s in farm_stats):>10,}   429s: {sum(s.get('refused_429', 0) for s in farm_stats):,}"
    )
    print(f"{'round wall time (due -> last fetch stored)':{wide}} {round_wall:>9.0f}s")
    print(f"{'rate-limit lower bound':{wide}} {bound:>9.0f}s   (queries per marketplace {queries_per_market} at {args.rpm}/min)")
    print(f"{'round / lower bound':{wide}} {round_wall / bound:>9.2f}x")
    print(
        f"{'rows written (listings+matches+prices)':{wide}} {rows:>10,}   {rows / round_wall if round_wall == round_wall else 0:,.0f} rows/s"
    )
    print(f"{'latest claim after due (lateness)':{wide}} {lateness:>9.0f}s   unclaimed searches: {unclaimed:,}")
    print(f"{'peak memory per qcluster process (MB)':{wide}} {', '.join(f'{mb:.0f}' for mb in sorted(workers.values(), reverse=True))}")
    if latencies:
        print(
            f"{'listing -> SMTP, probes (s)':{wide}} p50 {percentile(latencies, 0.5):.0f}, p95 {percentile(latencies, 0.95):.0f}, "
            f"max {max(latencies):.0f} ({items_due:,} items due, {items_missed:,} never alerted: inf)"
        )
    else:
        print(f"{'listing -> SMTP, probes (s)':{wide}} no probe item was due")

    print()
    complete = len(runs) >= args.queries
    targets = [
        ("no search more than one tick late", lateness <= TICK_SECONDS + 30 and unclaimed == 0, f"latest claim {lateness:.0f} s after due, {unclaimed} unclaimed (tick {TICK_SECONDS} s + the scheduler's 30 s poll)"),
        ("fetches per round = distinct queries", len(runs) == distinct == args.queries, f"{len(runs):,} fetches, {distinct:,} distinct, {args.queries:,} queries"),
        ("round within 1.5x the rate-limit lower bound", complete and round_wall <= 1.5 * bound, f"{round_wall / bound:.2f}x" + ("" if complete else " (round incomplete)")),
        ("listing-to-alert p95 within the interval + 2 min", bool(latencies) and percentile(latencies, 0.95) <= interval_s + 120, f"p95 {percentile(latencies, 0.95):.0f} s vs {interval_s + 120} s, {items_missed} of {items_due} items never alerted"),
        ("peak memory per worker < 300 MB", bool(workers) and max(workers.values()) < 300, f"max {max(workers.values(), default=0):.0f} MB"),
    ]  # fmt: skip
    missed = 0
    for label, ok, figure in targets:
        missed += not ok
        print(f"target {label}: {'met' if ok else 'MISSED'} ({figure})")
    if args.strict and missed:
        raise SystemExit(f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
