"""API benchmark: gunicorn (2 workers) on PostgreSQL, wrk with 16 connections.

    python bench/api.py [--duration 6] [--rounds 3] [--connections 16] [--reseed] [--profile] [--strict]

Creates (once) the database ds_api_bench seeded with 100,000 listings, 1,000 users and
5,000 searches (COPY-speed bulk inserts), starts gunicorn on a free loopback port with
bench.settings (the service's settings plus a bare JSON view), and runs wrk against:
the bare view, /api/v1/listings/ (a filtered page of 50), /api/v1/dashboard/ and
/health. Authenticated requests rotate over 400 users' tokens, so each user stays under
the real per-user throttle (API_THROTTLE_USER, default 1200/min), as real traffic would.
The measurement runs in rounds that take the endpoints in turn (3 rounds of 2 s each by
default), so that each endpoint's throughput is compared with the bare view's of the
same round. Prints requests per second, p50/p95/p99 latency and each endpoint's
throughput as a fraction of the bare view's (the median of the rounds' ratios, with their
spread), and one line per target; ``--strict`` exits non-zero when one is missed.

Needs: PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ds_api_bench),
Redis for the cache and throttles (BENCH_REDIS_URL, default redis://127.0.0.1:6379/3), wrk.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import profile_breakdown  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ds_api_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")

LISTINGS = 100_000
USERS = 1_000
SEARCHES = 5_000
MATCHES_PER_SEARCH = 20
MARKETPLACES = 5
TOKEN_USERS = 400
PROFILE_USERS = 20
LISTINGS_NAME = "/api/v1/listings/ (50, filtered)"
DASHBOARD_NAME = "/api/v1/dashboard/"
BATCH = 5_000

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "FIELD_ENCRYPTION_KEY": "rUsV4iKpi4PE9jEftAPg06G5_Jf6XTX7xaxsX1fp8L8=",  # bench only
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    "ENVIRONMENT": "bench",
    # Its own cache key prefix: throttle counters of test runs sharing this Redis database
    # (keyed by user id) must not throttle the bench users.
    "SERVICE_NAME": "dealscout-bench",
}

LUA = r"""
local tokens = {TOKEN_LIST}
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Token " .. tokens[(counter % #tokens) + 1]
  end
  return wrk.format(nil, nil, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.0f %.0f %.0f %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(SERVER_ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    say("migrating")
    call_command("migrate", verbosity=0, interactive=False)


def seed(*, reseed: bool) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import NotificationPreferences, User
    from alerts.models import Alert
    from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun
    from searches.models import Match, Search

    if not reseed and Listing.objects.count() >= LISTINGS and User.objects.count() >= USERS and Search.objects.count() >= SEARCHES:
        counts = f"{Listing.objects.count():,} listings, {User.objects.count():,} users, {Search.objects.count():,} searches"
        say(f"database already seeded: {counts}")
        return
    say("emptying tables")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_user, listings_marketplace, knox_authtoken, accounts_notificationpreferences RESTART IDENTITY CASCADE"
        )
    rng = random.Random(42)
    now = timezone.now()
    started = time.monotonic()

    markets = Marketplace.objects.bulk_create(
        [
            Marketplace(slug=f"market-{n}", name=f"Market {n}", agent="jsonld", base_url=f"https://m{n}.example/")
            for n in range(MARKETPLACES)
        ]
    )
    say(f"{USERS:,} users")
    # One known hash for every bench user: hashing 1,000 passwords would take minutes.
    from django.contrib.auth.hashers import make_password

    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.com", name=f"Bench {n}", password=password) for n in range(USERS)], batch_size=BATCH
    )
    NotificationPreferences.objects.bulk_create([NotificationPreferences(user=u) for u in users], batch_size=BATCH)

    say(f"{LISTINGS:,} listings")
    words = ["thinkpad", "macbook", "iphone", "pixel", "switch", "camera", "lens", "bike", "drill", "sofa"]
    conditions = ["new", "used", "refurbished", "for_parts", "unknown"]
    for start in range(0, LISTINGS, BATCH):
        Listing.objects.bulk_create(
            [
                Listing(
                    marketplace=markets[n % MARKETPLACES],
                    external_id=f"item-{n}",
                    url=f"https://m{n % MARKETPLACES}.example/items/{n}",
                    title=f"{rng.choice(words)} {rng.choice(words)} model {n}",
                    price=Decimal(rng.randint(1000, 200000)) / 100,
                    currency="USD",
                    condition=rng.choice(conditions),
                    first_seen_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 14)),
                    last_seen_at=now - timedelta(minutes=rng.randint(0, 60 * 24)),
                    raw={"n": n},
                )
                for n in range(start, min(start + BATCH, LISTINGS))
            ]
        )
        print(f"\r[bench]   {min(start + BATCH, LISTINGS):,}/{LISTINGS:,}", end="", flush=True)
    print()
    listing_ids = list(Listing.objects.values_list("id", flat=True))
    PriceObservation.objects.bulk_create(
        [PriceObservation(listing_id=i, price=Decimal("99.00"), currency="USD", observed_at=now - timedelta(days=1)) for i in listing_ids],
        batch_size=BATCH,
    )

    say(f"{SEARCHES:,} searches, {SEARCHES * MATCHES_PER_SEARCH:,} matches")
    searches = Search.objects.bulk_create(
        [
            Search(owner=users[n % USERS], name=f"search {n}", query=rng.choice(words), max_price=Decimal(1500), next_run_at=now)
            for n in range(SEARCHES)
        ],
        batch_size=BATCH,
    )
    through = Search.marketplaces.through
    through.objects.bulk_create(
        [through(search_id=s.pk, marketplace_id=markets[i % MARKETPLACES].pk) for i, s in enumerate(searches)], batch_size=BATCH
    )
    matches = []
    for search in searches:
        for listing_id in rng.sample(listing_ids, MATCHES_PER_SEARCH):
            score = Decimal(rng.randint(-3000, 6000)) / 100 if rng.random() > 0.1 else None
            matches.append(
                Match(
                    search=search,
                    listing_id=listing_id,
                    deal_score=score,
                    score_explanation="bench",
                    matched_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 7)),
                )
            )
    Match.objects.bulk_create(matches, batch_size=BATCH)
    Alert.objects.bulk_create(
        [
            Alert(
                user_id=m.search.owner_id,
                search_id=m.search_id,
                listing_id=m.listing_id,
                kind="new",
                event_key="new",
                status="sent",
                read_at=None if i % 3 else now,
            )
            for i, m in enumerate(matches[::4])
        ],
        batch_size=BATCH,
    )
    statuses = ["ok"] * 8 + ["timeout", "blocked"]
    ScrapeRun.objects.bulk_create(
        [
            ScrapeRun(
                marketplace=markets[n % MARKETPLACES],
                query="bench",
                status=rng.choice(statuses),
                started_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 3)),
                error="",
            )
            for n in range(20_000)
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"seeded in {time.monotonic() - started:.0f} s")


def make_tokens() -> list[str]:
    from knox.models import AuthToken

    from accounts.models import User

    AuthToken.objects.all().delete()
    users = User.objects.order_by("id")[:TOKEN_USERS]
    return [AuthToken.objects.create(user)[1] for user in users]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, *, threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "dealscout.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        # Threads overlap one request's database waits with another's work (the GIL is
        # released during I/O); the sync worker default handles one request at a time.
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    say("starting gunicorn: " + " ".join(command[1:]))
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def check_answers(base: str, path: str, token: str | None) -> None:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Token {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")


def service_time(base: str, path: str, tokens: list[str], *, requests: int = 40) -> tuple[float, float]:
    """Median latency of one request at a time: the endpoint's own cost, without queueing.

    Returns (cold, warm): the first request of each of 20 users (nothing of theirs cached
    yet), then the same users again, as the wrk run's users come back many times a second.
    """

    def one(n: int) -> float:
        headers = {"Authorization": f"Token {tokens[n % len(tokens)]}"} if tokens else {}
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=10) as response:
            response.read()
        return (time.perf_counter() - started) * 1000

    users = tokens[-PROFILE_USERS:]  # not the profiled users: cold means cold
    tokens = users
    cold = sorted(one(n) for n in range(len(users) if users else requests))
    warm = sorted(one(n) for n in range(requests))
    return cold[len(cold) // 2], warm[len(warm) // 2]


def forget_cached_answers() -> None:
    """Empty the token and per-user answer caches, so that a measurement starts cold."""
    from django.core.cache import cache

    for pattern in ("api-token:*", "user-views:*"):
        cache.delete_pattern(pattern)


def profile_endpoint(path: str, tokens: list[str], *, requests: int, cold: bool = False) -> profile_breakdown.Breakdown:
    """The endpoint's requests through Django's WSGI handler in this process, under pyinstrument."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    route, _, query = path.partition("?")

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"{path} answered {status} while profiling")

    def call(n: int) -> None:
        environ = {"PATH_INFO": route, "QUERY_STRING": query, "REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1"}
        if tokens:
            environ["HTTP_AUTHORIZATION"] = f"Token {tokens[n % len(tokens)]}"
        setup_testing_defaults(environ)
        body = handler(environ, start_response)
        b"".join(body)
        body.close()

    # A few users, each warmed up once: the steady state of the wrk run, where each of the
    # 400 tokens comes back many times a second (a cold cache is what the first request pays).
    forget_cached_answers()
    warm_tokens = tokens[:PROFILE_USERS]
    every = tokens
    tokens = warm_tokens
    for n in range(2 * max(len(tokens), 10)):
        call(n)
    if cold and every:
        # Each request from a user not seen before: nothing of theirs is cached.
        tokens = every[PROFILE_USERS:-PROFILE_USERS][:requests]
        requests = len(tokens)
    breakdown = profile_breakdown.profile(call, requests=requests)
    forget_cached_answers()
    return breakdown


def run_wrk(url: str, tokens: list[str], *, duration: int, connections: int) -> dict[str, float]:
    script = LUA.replace("TOKEN_LIST", ", ".join(f'"{t}"' for t in tokens))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", handle.name, url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, micros, p50, p95, p99, socket_errors, non_2xx = (float(x) for x in line.split()[1:])
    return {
        "rps": requests / (micros / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": socket_errors,
        "non2xx": non_2xx,
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=6, help="seconds of wrk per endpoint, over all rounds (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds that take the endpoints in turn (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reseed", action="store_true", help="empty and seed the bench database again")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1: sync workers)")
    parser.add_argument("--profile", action="store_true", help="also profile each API endpoint in-process and print where the time goes")
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument("--profile-only", action="store_true", help="profile, print the breakdown and stop (no gunicorn, no wrk)")
    parser.add_argument("--strict", action="store_true", help="exit non-zero when a target is missed")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package wrk)")

    ensure_database()
    setup_django()
    migrate()
    seed(reseed=args.reseed)
    tokens = make_tokens()
    say(f"{len(tokens)} tokens issued")

    endpoints = [
        ("bare JSON view", "/bench/bare", False),
        (LISTINGS_NAME, "/api/v1/listings/?page_size=50&min_deal_score=0&ordering=-deal_score", True),
        (DASHBOARD_NAME, "/api/v1/dashboard/", True),
        ("/health", "/health", False),
    ]
    profiles = []
    if args.profile or args.profile_only:
        for name, path, authenticated in endpoints[1:3]:
            say(f"profiling {path}: {args.profile_requests} requests in-process")
            profiles.append((name, profile_endpoint(path, tokens if authenticated else [], requests=args.profile_requests)))
            say(f"profiling {path} cold: each request from a user not seen before")
            profiles.append(
                (f"{name}, cold", profile_endpoint(path, tokens if authenticated else [], requests=args.profile_requests, cold=True))
            )
        if args.profile_only:
            print()
            for name, breakdown in profiles:
                print("\n".join(profile_breakdown.format_breakdown(name, breakdown)))
            return

    port = free_port()
    server = start_gunicorn(port, threads=args.threads)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in endpoints}
    seconds = max(1, round(args.duration / args.rounds))
    try:
        for name, path, authenticated in endpoints:
            forget_cached_answers()
            check_answers(base, path, tokens[0] if authenticated else None)
            cold, alone = service_time(base, path, tokens if authenticated else [])
            results[name] = {"alone": alone, "cold": cold}
        # Unauthenticated first, the cached endpoints last: 4 s is what 400 users' first
        # (cold, about 9 ms each) requests take on 2 workers, with time to spare.
        for _, path, authenticated in sorted(endpoints, key=lambda e: e[2]):
            say(f"warming up {path}")
            run_wrk(base + path, tokens if authenticated else [], duration=4 if authenticated else 1, connections=args.connections)
        # Rounds take the endpoints in turn, so that a slower minute of this machine
        # (another job, a vacuum) falls on all of them alike; each ratio is taken within its
        # round. Together they last less than the per-user answer cache (30 s): with all 400
        # users warmed at once, their answers would otherwise expire in the same second and
        # one round would measure 400 cold requests (the cold column is that cost).
        for number in range(1, args.rounds + 1):
            for name, path, authenticated in endpoints[:3]:
                say(f"round {number}/{args.rounds}: {path} for {seconds} s with {args.connections} connections")
                rounds[name].append(run_wrk(base + path, tokens if authenticated else [], duration=seconds, connections=args.connections))
        name, path, _ = endpoints[3]  # /health: no target, measured once after the rounds
        say(f"{path} for {seconds * args.rounds} s with {args.connections} connections")
        rounds[name].append(run_wrk(base + path, [], duration=seconds * args.rounds, connections=args.connections))
    finally:
        server.terminate()
        server.wait(timeout=15)
    bare_rounds = rounds["bare JSON view"]
    median_bare = statistics.median(r["rps"] for r in bare_rounds)
    ratios: dict[str, list[float]] = {}
    for name, measured in rounds.items():
        # Each round against the bare view of the same round; /health (measured once) against their median.
        bares = [b["rps"] for b in bare_rounds] if len(measured) == len(bare_rounds) else [median_bare]
        ratios[name] = [r["rps"] / bare for r, bare in zip(measured, bares, strict=True)]
        for key in ("rps", "p50", "p95", "p99"):
            results[name][key] = statistics.median(r[key] for r in measured)
        results[name]["errors"] = sum(r["errors"] for r in measured)
        results[name]["non2xx"] = sum(r["non2xx"] for r in measured)
        results[name]["of_bare"] = statistics.median(ratios[name])
        results[name]["spread"] = max(ratios[name]) - min(ratios[name])

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    setup = f"wrk -t2 -c{args.connections}, {args.rounds} rounds x {seconds} s per endpoint, {os.cpu_count()} CPUs, load average {load}"
    workers = "2 sync workers" if args.threads == 1 else f"2 gthread workers x {args.threads} threads"
    print(f"gunicorn {workers}, PostgreSQL + Redis, {setup}")
    header = f"{'endpoint':36} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8} {'of bare':>8}"
    print(header + f" {'alone ms':>9} {'cold ms':>8}")
    for name, r in results.items():
        print(
            f"{name:36} {r['rps']:9.0f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
            f"{r['errors']:7.0f} {r['non2xx']:8.0f} {r['of_bare']:8.0%} {r['alone']:9.1f} {r['cold']:8.1f}"
        )
    for name, measured in rounds.items():
        per_round = ", ".join(
            f"{r['rps']:.0f} ({ratio:.0%}, p95 {r['p95']:.1f} ms)" for r, ratio in zip(measured, ratios[name], strict=True)
        )
        print(f"  {name} by round: {per_round}")
    print("(req/s, p50, p95, p99: medians over the rounds; of bare: the median of each round's ratio to that round's bare view;")
    print(" alone ms: median of 40 requests sent one at a time by 20 users, before the wrk run: the cost without queueing;")
    print(" cold ms: the same users' first requests, before anything of theirs is cached)")
    for name, breakdown in profiles:
        print()
        print("\n".join(profile_breakdown.format_breakdown(name, breakdown)))

    print()
    missed = 0
    for name in (LISTINGS_NAME, DASHBOARD_NAME):
        r = results[name]
        checks = [
            (f"{name}: >= 40% of the bare view's req/s", r["of_bare"] >= 0.40, f"{r['of_bare']:.1%}, rounds spread {r['spread']:.1%}"),
            (f"{name}: alone <= 5 ms", r["alone"] <= 5, f"{r['alone']:.1f} ms"),
            (f"{name}: p95 < 100 ms at {args.connections} connections", r["p95"] < 100, f"{r['p95']:.1f} ms"),
            (f"{name}: no errors", r["errors"] == 0 and r["non2xx"] == 0, f"{r['errors'] + r['non2xx']:.0f}"),
        ]
        for label, ok, figure in checks:
            missed += not ok
            print(f"target {label}: {'met' if ok else 'MISSED'} ({figure})")
    if args.strict and missed:
        raise SystemExit(f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
