"""Run by test_sqlite_write_wait.py in a fresh process on a file SQLite database.

Stores a page of N listings, then re-scouts it (every price changed) in one thread while
another thread sends API writes (PATCH /api/v1/auth/me) through Django's WSGI stack.
Prints one JSON line: the longest and median API write, how many, and how long the
re-scout took.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from decimal import Decimal


def main() -> None:
    listings_count = int(sys.argv[1])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from knox.models import AuthToken

    from accounts.models import User
    from listings.agents import ListingData
    from listings.models import Marketplace
    from listings.services import listing_upsert_bulk

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email="writer@example.test", password="a-long-and-unusual-passphrase-17")
    _, token = AuthToken.objects.create(user)
    marketplace = Marketplace.objects.create(slug="big", name="Big", agent="jsonld", base_url="http://big.example")

    def page(price: int) -> list[ListingData]:
        return [
            ListingData(external_id=f"x{i}", url=f"http://big.example/{i}", title=f"Listing {i}", price=Decimal(price), currency="USD")
            for i in range(listings_count)
        ]

    listing_upsert_bulk(marketplace=marketplace, items=page(100), seen_at=timezone.now())
    second = page(90)
    done = threading.Event()
    upsert_seconds: list[float] = []
    errors: list[str] = []

    def rescout() -> None:
        started = time.monotonic()
        try:
            listing_upsert_bulk(marketplace=marketplace, items=second, seen_at=timezone.now())
        except Exception as exc:  # noqa: BLE001 - reported in the output
            errors.append(f"upsert: {exc!r}")
        finally:
            upsert_seconds.append(time.monotonic() - started)
            done.set()
            connection.close()

    waits: list[float] = []

    def api_writes() -> None:
        client = Client(headers={"Authorization": f"Token {token}"})
        n = 0
        try:
            while not done.is_set():
                n += 1
                started = time.monotonic()
                response = client.patch("/api/v1/auth/me", {"name": f"writer {n}"}, content_type="application/json")
                waits.append(time.monotonic() - started)
                if response.status_code != 200:
                    errors.append(f"api: {response.status_code} {response.content[:200]!r}")
                time.sleep(0.05)
        finally:
            connection.close()

    writer = threading.Thread(target=api_writes)
    scout = threading.Thread(target=rescout)
    writer.start()
    time.sleep(0.2)  # the writer is going before the re-scout takes the lock
    scout.start()
    scout.join()
    writer.join()
    sys.stdout.write(
        json.dumps(
            {
                "max_write_seconds": max(waits),
                "median_write_seconds": statistics.median(waits),
                "writes": len(waits),
                "rescout_seconds": upsert_seconds[0],
                "errors": errors,
                "database": os.environ.get("DATABASE_URL"),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
