"""The rate limit is shared by worker processes through the real cache.

Two processes take slots for the same marketplace at the same time, with their clocks
frozen at one instant: if they share the limit, the waits they are told to make are
all different (0, 1, 2, ... slot intervals); if each process counted alone, both
would start at 0. Runs against Redis when REDIS_URL is set, else against the database
cache in a SQLite file, the embedded default's shared cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "dealscout.settings"
    if not env.get("REDIS_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


@pytest.mark.slow
def test_two_processes_share_one_rate_limit_through_the_cache(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    slug, count, rpm = f"shared-{uuid.uuid4().hex[:8]}", 4, 60
    frozen = 1_000_000.0  # both processes see the same instant
    start_at = time.time() + 2.0
    command = [sys.executable, "-m", "listings.tests.rate_limit_worker", slug, str(count), str(rpm), str(frozen), str(start_at)]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err.decode()
        results.append(json.loads(out))
    interval = 60 / rpm
    every_wait = sorted(wait for waits in results for wait in waits)
    assert every_wait == [slot * interval for slot in range(2 * count)]
    assert all(len(waits) == count for waits in results)
