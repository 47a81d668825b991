"""Demo data and the processes of a local Deal Scout, for ``make demo``.

Everything here is what a newcomer sees first, so it says what it does as it goes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

STAFF_EMAIL = "admin@dealscout.localhost"
STAFF_PASSWORD = "demo-admin-password"  # noqa: S105 - demo login, printed on purpose
USER_EMAIL = "demo@dealscout.localhost"
USER_PASSWORD = "demo-user-password"  # noqa: S105 - demo login, printed on purpose

DEMO_SEARCHES = [
    {"name": "Fuji X100V under $1,100", "query": "fuji x100v", "max_price": Decimal("1100")},
    {"name": "Switch OLED, working", "query": "nintendo switch oled -broken", "max_price": Decimal("320")},
    {"name": "Road bike for me", "query": "road bike", "excluded_terms": ["kids"], "max_price": Decimal("800")},
    # Place and radius: of the shop's cities, only Oakland and Berkeley lie within 50 km.
    {"name": "Fuji X100V near San Francisco", "query": "fujifilm x100v", "location": "San Francisco, CA", "radius_km": 50},
]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int | None = None) -> int:
    if preferred and port_is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@transaction.atomic
def demo_data_create(*, sandbox_url: str) -> None:
    """Create (or refresh) the demo logins, the sandbox marketplace and the demo searches."""
    from accounts.models import NotificationPreferences, User
    from listings.models import Marketplace
    from searches.models import Search

    staff, _ = User.objects.get_or_create(email=STAFF_EMAIL, defaults={"name": "Demo operator"})
    staff.is_staff = staff.is_superuser = True
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    user, _ = User.objects.get_or_create(email=USER_EMAIL, defaults={"name": "Demo user"})
    user.set_password(USER_PASSWORD)
    user.save()
    NotificationPreferences.objects.get_or_create(user=user)

    sandbox, _ = Marketplace.objects.update_or_create(
        slug="sandbox",
        defaults={
            "name": "Sandbox Market",
            "agent": "jsonld",
            "base_url": sandbox_url,
            "enabled": True,
            "requests_per_minute": 60,
            "allow_private_network": True,
        },
    )
    from searches.geo import location_fields

    for spec in DEMO_SEARCHES:
        place = location_fields(str(spec["location"]), radius_km=spec.get("radius_km")) if spec.get("location") else {}  # type: ignore[arg-type]
        search, _ = Search.objects.update_or_create(
            owner=user,
            name=spec["name"],
            defaults={**spec, **place, "interval_minutes": 5, "is_active": True, "next_run_at": timezone.now()},
        )
        search.marketplaces.set([sandbox])


def demo_counts() -> dict[str, int]:
    from alerts.models import Alert
    from listings.models import Listing
    from searches.models import Match

    return {
        "listings": Listing.objects.count(),
        "matches": Match.objects.filter(search__owner__email=USER_EMAIL).count(),
        "alerts": Alert.objects.filter(user__email=USER_EMAIL).count(),
        "alerts_sent": Alert.objects.filter(user__email=USER_EMAIL, status="sent").count(),
    }


@dataclass
class DemoProcesses:
    """The demo's child processes: the sandbox shop, the web server and a qcluster."""

    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        # A session of its own: Ctrl-C reaches only us, and we stop the children in order.
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=settings.BASE_DIR, start_new_session=True
        )

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_http(url: str, *, timeout: float, procs: DemoProcesses) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.dead():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                if response.status < 500:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


def child_env(*, site_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SITE_URL", site_url)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def python() -> str:
    return sys.executable
