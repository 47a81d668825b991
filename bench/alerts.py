"""Alert throughput: 10,000 new matches across 1,000 users, to an SMTP server on loopback.

    python bench/alerts.py [--users 1000] [--per-user 10] [--first-batch 1000]

Runs on the embedded default in a throw-away SQLite file unless DATABASE_URL is set
(then it uses that database: give it one you can fill). The matches arrive in two
batches of different sizes (1,000 then 9,000 by default) so the table shows that the
number of queries per batch stays flat: queries per alert fall as batches grow, they
never grow with them. An aiosmtpd server on a free loopback port receives every e-mail;
the last column is the time from handing the batch to alerts_notify until the SMTP
server has accepted the batch's last message.
"""

from __future__ import annotations

import argparse
import os
import socket
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=10, help="new matches per user")
    parser.add_argument("--first-batch", type=int, default=1000, help="size of the first batch; the rest is the second")
    args = parser.parse_args()
    _setup()

    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection, transaction

    from accounts.models import NotificationPreferences, User
    from alerts.models import Alert
    from alerts.services import PLAN_BATCH, AlertEvent, alerts_notify, alerts_plan, deliveries_send
    from listings.models import Listing, Marketplace
    from searches.models import Search

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, False, 10

    total = args.users * args.per_user
    print(f"==> creating {args.users} users, {args.users} searches and {total} listings on {connection.vendor}", flush=True)
    tag = f"b{int(time.time())}"
    users = User.objects.bulk_create(
        [User(email=f"{tag}-{index}@bench.example", password="!") for index in range(args.users)], batch_size=1000
    )
    users = list(User.objects.filter(email__startswith=f"{tag}-").order_by("pk"))
    NotificationPreferences.objects.bulk_create([NotificationPreferences(user=user, hourly_cap=args.per_user) for user in users])
    market, _ = Marketplace.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Mart", "agent": "jsonld", "base_url": "https://bench.example"}
    )
    Search.objects.bulk_create([Search(owner=user, name=f"bench {index}", query="bench camera") for index, user in enumerate(users)])
    searches = list(Search.objects.filter(owner__in=users).order_by("owner_id"))
    Listing.objects.bulk_create(
        [
            Listing(
                marketplace=market,
                external_id=f"{tag}-{index}",
                url=f"https://bench.example/item/{index}",
                title=f"Bench camera number {index}",
                price=Decimal("100.00") + index % 50,
                currency="USD",
                image_url=f"https://bench.example/img/{index}.jpg",
            )
            for index in range(total)
        ],
        batch_size=1000,
    )
    listings = list(Listing.objects.filter(external_id__startswith=f"{tag}-").order_by("pk"))
    events = [
        AlertEvent(search.owner_id, search.pk, listings[i * args.per_user + j].pk, "new", Decimal("120"), "USD", Decimal("15"), "15% below")
        for i, search in enumerate(searches)
        for j in range(args.per_user)
    ]
    batches = [events[: args.first_batch], events[args.first_batch :]]

    rows = []
    for batch in batches:
        if not batch:
            continue
        print(f"==> batch of {len(batch)} matches: creating alerts", flush=True)
        started = time.perf_counter()
        with QueryCounter(connection) as create_q:
            with transaction.atomic():
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
        before = recorder.count
        print(f"    sending {len(delivery_ids)} e-mails", flush=True)
        send_started = time.perf_counter()
        with QueryCounter(connection) as send_q:
            for start in range(0, len(delivery_ids), 500):
                deliveries_send(delivery_ids=delivery_ids[start : start + 500])
                print(f"    ... {min(start + 500, len(delivery_ids))}/{len(delivery_ids)} sent", flush=True)
        send_s = time.perf_counter() - send_started
        deadline = time.perf_counter() + 30
        while recorder.count - before < len(delivery_ids) and time.perf_counter() < deadline:
            time.sleep(0.01)
        received = recorder.count - before
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
                "received": received,
                "to_last_smtp": recorder.last_at - started,
            }
        )
    controller.stop()
    sent = Alert.objects.filter(search__in=searches, status=Alert.Status.SENT).count()

    print()
    print(f"database: {connection.vendor}; {args.users} users; {total} new matches; SMTP on 127.0.0.1:{controller.port}")
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
    print(f"alerts sent in total: {sent} of {total}")
    print("create q / plan q: queries for the whole batch (flat: they do not grow with the batch size);")
    print("send q/alert: one query per e-mail (marking it sent) plus a few per batch of 500 (claim, load, message, settle).")


if __name__ == "__main__":
    main()
