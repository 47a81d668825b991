"""Alert throughput: 10,000 new matches across 1,000 users, to an SMTP server on loopback.

    python bench/alerts.py                # in one process, phase by phase, two batch sizes
    python bench/alerts.py --cluster 2    # the real path: django-q2 qcluster with 2 workers

Runs on the embedded default in a throw-away SQLite file unless DATABASE_URL is set
(then it uses that database: give it one you can fill; REDIS_URL picks the broker).
An aiosmtpd server on a free loopback port receives every e-mail.

In-process mode hands the matches to ``alerts_notify`` in two batches (1,000 then
9,000) and runs planning and sending itself, counting the queries of each phase: the
count per alert must stay flat or fall as the batch grows, never rise. The last column
is the time from handing the batch over until the SMTP server accepted its last message.

Cluster mode starts ``manage.py qcluster`` (Q_WORKERS workers), waits until it delivers
a warm-up alert, then hands all matches over in one call, as one big scout run would, and
measures until the SMTP server has accepted the last message.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-alerts-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    print("==> migrating the bench database", flush=True)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


class QueryCounter:
    """Counts every query on the connection (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self, connection) -> None:  # noqa: ANN001
        self.connection = connection
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        self._cm = self.connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


class Recorder:
    def __init__(self) -> None:
        self.count = 0
        self.last_at = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        with self.lock:
            self.count += 1
            self.last_at = time.perf_counter()
        return "250 OK"

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while self.count < count and time.perf_counter() < deadline:
            time.sleep(0.005)
        return self.count >= count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_matches(*, users: int, per_user: int, tag: str) -> list:
    """Users, one search each, and per_user new listings each; returns the AlertEvents."""
    from accounts.models import NotificationPreferences, User
    from alerts.services import AlertEvent
    from listings.models import Listing, Marketplace
    from searches.models import Search

    total = users * per_user
    print(f"==> creating {users} users, {users} searches and {total} listings", flush=True)
    User.objects.bulk_create([User(email=f"{tag}-{index}@bench.example", password="!") for index in range(users)], batch_size=1000)
    people = list(User.objects.filter(email__startswith=f"{tag}-").order_by("pk"))
    NotificationPreferences.objects.bulk_create([NotificationPreferences(user=user, hourly_cap=max(20, per_user)) for user in people])
    # Disabled and inactive: nothing in the bench may try to reach a real marketplace.
    market, _ = Marketplace.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Mart", "agent": "jsonld", "base_url": "https://bench.invalid", "enabled": False}
    )
    Search.objects.bulk_create(
        [Search(owner=user, name=f"bench {index}", query="bench camera", is_active=False) for index, user in enumerate(people)]
    )
    searches = list(Search.objects.filter(owner__in=people).order_by("owner_id"))
    Listing.objects.bulk_create(
        [
            Listing(
                marketplace=market,
                external_id=f"{tag}-{index}",
                url=f"https://bench.invalid/item/{index}",
                title=f"Bench camera number {index}",
                price=Decimal("100.00") + index % 50,
                currency="USD",
                image_url=f"https://bench.invalid/img/{index}.jpg",
            )
            for index in range(total)
        ],
        batch_size=1000,
    )
    listings = list(Listing.objects.filter(external_id__startswith=f"{tag}-").order_by("pk"))
    return [
        AlertEvent(search.owner_id, search.pk, listings[i * per_user + j].pk, "new", Decimal("120"), "USD", Decimal("15"), "15% below")
        for i, search in enumerate(searches)
        for j in range(per_user)
    ]


def run_in_process(events: list, *, first_batch: int, recorder: Recorder) -> list[dict]:
    from django.db import connection, transaction

    from alerts.services import PLAN_BATCH, alerts_notify, alerts_plan, deliveries_send

    rows = []
    for batch in (events[:first_batch], events[first_batch:]):
        if not batch:
            continue
        print(f"==> batch of {len(batch)} matches: creating alerts", flush=True)
        before = recorder.count
        started = time.perf_counter()
        with QueryCounter(connection) as create_q, transaction.atomic():
            created = alerts_notify(events=batch)
        create_s = time.perf_counter() - started
        print(f"    planning {len(created)} alerts", flush=True)
        plan_started = time.perf_counter()
        delivery_ids: list[int] = []
        with QueryCounter(connection) as plan_q:
            while True:
                result = alerts_plan(limit=PLAN_BATCH)
                delivery_ids += result.delivery_ids
                if result.alerts < PLAN_BATCH:
                    break
        plan_s = time.perf_counter() - plan_started
        print(f"    sending {len(delivery_ids)} e-mails", flush=True)
        send_started = time.perf_counter()
        with QueryCounter(connection) as send_q:
            for start in range(0, len(delivery_ids), 500):
                deliveries_send(delivery_ids=delivery_ids[start : start + 500])
                print(f"    ... {min(start + 500, len(delivery_ids))}/{len(delivery_ids)} sent", flush=True)
        send_s = time.perf_counter() - send_started
        recorder.wait_for(before + len(delivery_ids), timeout=30)
        rows.append(
            {
                "batch": len(batch),
                "created": len(created),
                "create_per_s": len(created) / create_s,
                "create_q": create_q.count,
                "plan_q": plan_q.count,
                "plan_s": plan_s,
                "send_q_per": send_q.count / max(1, len(delivery_ids)),
                "send_per_s": len(delivery_ids) / send_s,
                "received": recorder.count - before,
                "to_last_smtp": recorder.last_at - started,
            }
        )
    return rows


def run_cluster(events: list, *, workers: int, recorder: Recorder, smtp_port: int, tag: str) -> dict:
    from django.db import transaction

    from alerts.services import alerts_notify

    env = {
        **os.environ,
        "Q_WORKERS": str(workers),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_TIMEOUT": "10",
        "LOG_LEVEL": "WARNING",
    }
    print(f"==> starting manage.py qcluster with {workers} workers", flush=True)
    cluster = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], env=env, cwd=ROOT)  # noqa: S603
    try:
        warm_up, measured = events[:1], events[1:]
        with transaction.atomic():
            alerts_notify(events=warm_up)
        if not recorder.wait_for(1, timeout=120):
            raise SystemExit("the cluster did not deliver the warm-up alert within 2 minutes")
        print(f"==> cluster is up; handing over {len(measured)} matches in one call", flush=True)
        before = recorder.count
        started = time.perf_counter()
        with transaction.atomic():
            created = alerts_notify(events=measured)
        create_s = time.perf_counter() - started
        last_report = 0.0
        deadline = time.perf_counter() + 900
        while recorder.count - before < len(created) and time.perf_counter() < deadline:
            time.sleep(0.05)
            if time.perf_counter() - last_report > 5:
                last_report = time.perf_counter()
                print(f"    ... {recorder.count - before}/{len(created)} received", flush=True)
        return {
            "workers": workers,
            "created": len(created),
            "create_per_s": len(created) / create_s,
            "received": recorder.count - before,
            "to_last_smtp": recorder.last_at - started,
        }
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=10, help="new matches per user")
    parser.add_argument("--first-batch", type=int, default=1000, help="in-process mode: size of the first batch")
    parser.add_argument("--cluster", type=int, default=0, metavar="WORKERS", help="run through a qcluster with this many workers")
    args = parser.parse_args()
    _setup()

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, False, 10
    tag = f"b{int(time.time())}"
    try:
        events = make_matches(users=args.users, per_user=args.per_user, tag=tag)
        broker = "Redis" if settings.Q_CLUSTER.get("django_redis") else "ORM"
        print()
        print(f"database: {connection.vendor}; {args.users} users; {len(events)} new matches; SMTP on 127.0.0.1:{controller.port}")
        if args.cluster:
            row = run_cluster(events, workers=args.cluster, recorder=recorder, smtp_port=controller.port, tag=tag)
            header = f"{'workers':>8} {'broker':>7} {'alerts':>7} {'created/s':>10} {'received':>9} {'to last SMTP s':>15} {'mails/s':>8}"
            print(header)
            print("-" * len(header))
            print(
                f"{row['workers']:>8} {broker:>7} {row['created']:>7} {row['create_per_s']:>10.0f} {row['received']:>9} "
                f"{row['to_last_smtp']:>15.2f} {row['received'] / row['to_last_smtp']:>8.0f}"
            )
            print("\n(the first match was a warm-up, delivered before the clock started)")
            return
        rows = run_in_process(events, first_batch=args.first_batch, recorder=recorder)
        header = (
            f"{'batch':>6} {'alerts':>7} {'created/s':>10} {'create q':>9} {'q/alert':>8} {'plan q':>7} {'q/alert':>8} "
            f"{'plan s':>7} {'send q/alert':>12} {'mails/s':>8} {'received':>9} {'to last SMTP s':>15}"
        )
        print(header)
        print("-" * len(header))
        for row in rows:
            print(
                f"{row['batch']:>6} {row['created']:>7} {row['create_per_s']:>10.0f} "
                f"{row['create_q']:>9} {row['create_q'] / row['created']:>8.4f} "
                f"{row['plan_q']:>7} {row['plan_q'] / row['created']:>8.4f} {row['plan_s']:>7.2f} {row['send_q_per']:>12.2f} "
                f"{row['send_per_s']:>8.0f} {row['received']:>9} {row['to_last_smtp']:>15.2f}"
            )
        print()
        print("create q, plan q: queries for the whole batch (bulk statements; SQLite splits them at 999 parameters).")
        print("q/alert must not grow with the batch. send q/alert: one query per e-mail (marking it sent),")
        print("plus a few per 500 (claim, load, build messages, settle). One process sends one e-mail at a time.")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
