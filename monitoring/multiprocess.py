"""Prometheus multiprocess mode: several processes, one exposition.

gunicorn workers and django-q2's worker processes each write their samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (the variable must be set before prometheus_client is
imported, so it comes from the environment, never from settings). The directory is
wiped when the parent starts, and a process that has died is marked so that its
``live*`` gauges vanish. https://prometheus.github.io/client_python/multiprocess/
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from prometheus_client import multiprocess

logger = logging.getLogger(__name__)

PID_IN_FILENAME = re.compile(r"_(\d+)\.db$")


def multiproc_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")
    return Path(value) if value else None


def wipe_dir() -> Path | None:
    """Empty the directory (or create it): samples of a previous run must not be summed in."""
    directory = multiproc_dir()
    if directory is None:
        return None
    if directory.exists():
        for entry in directory.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def mark_process_dead(pid: int) -> None:
    if multiproc_dir() is not None:
        multiprocess.mark_process_dead(pid)


def mark_dead_processes() -> list[int]:
    """Mark every process that wrote a live gauge file and is gone (django-q2 has no exit hook)."""
    directory = multiproc_dir()
    if directory is None or not directory.exists():
        return []
    pids = {int(m.group(1)) for p in directory.glob("gauge_live*.db") if (m := PID_IN_FILENAME.search(p.name))}
    dead = [pid for pid in sorted(pids) if not _alive(pid)]
    for pid in dead:
        multiprocess.mark_process_dead(pid)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
