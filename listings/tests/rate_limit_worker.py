"""A separate process that takes rate-limit slots through the real cache (used by tests).

``python -m listings.tests.rate_limit_worker SLUG COUNT RPM CLOCK START_AT``: waits until
the wall time START_AT (so two workers run side by side), acquires COUNT slots with the
clock frozen at CLOCK, and prints the waits it was told to make, as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    slug, count, rpm, frozen, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealscout.settings")
    import django

    django.setup()
    from listings.http import SharedRateLimiter

    waits: list[float] = []
    limiter = SharedRateLimiter(slug, rpm, clock=lambda: frozen, sleep_fn=lambda seconds: waits.append(round(seconds, 6)))
    time.sleep(max(start_at - time.time(), 0))
    for _ in range(count):
        limiter.acquire()
    sys.stdout.write(json.dumps(waits))


if __name__ == "__main__":
    main()
