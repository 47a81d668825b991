"""Prometheus multiprocess mode: several processes, one exposition.

gunicorn workers and django-q2's worker processes each write their samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (the variable must be set before prometheus_client is
imported, so it comes from the environment, never from settings). The directory is
wiped when the parent starts, and a process that has died is marked so that its
``live*`` gauges vanish. https://prometheus.github.io/client_python/multiprocess/
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import shutil
from collections import defaultdict
from pathlib import Path

from prometheus_client import multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.utils import floatToGoString

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


class SummingCollector:
    """The multiprocess directory's samples, merged with one pass over the raw values.

    prometheus_client's MultiProcessCollector builds a sample object for every value of
    every process's file before summing them; with four workers and a few hundred route
    templates that is most of the scrape. Counters, histograms and summed gauges only
    need their values added up per key, so this sums the raw values first and builds one
    sample per distinct series. Other gauge modes (min, max, most recent, per process) go
    through prometheus_client's own merge. monitoring/tests/test_metrics.py checks that
    both give the same exposition.
    """

    SUMMED = {("counter", ""), ("histogram", ""), ("gauge", "sum"), ("gauge", "livesum")}

    def __init__(self, path: Path) -> None:
        self.path = path

    def collect(self) -> list[Metric]:
        totals: dict[tuple[str, str], float] = defaultdict(float)
        others = []
        for file in glob.glob(os.path.join(self.path, "*.db")):
            parts = os.path.basename(file).split("_")
            kind = parts[0]
            mode = parts[1] if kind == "gauge" else ""
            if (kind, mode) not in self.SUMMED:
                others.append(file)
                continue
            try:
                values = MmapedDict.read_all_values_from_file(file)
            except FileNotFoundError:  # a live gauge's file removed by mark_process_dead
                continue
            for key, value, _timestamp, _pos in values:
                totals[(kind, key)] += value
        metrics: dict[str, Metric] = {}
        buckets: dict[str, dict[tuple, dict[float, float]]] = defaultdict(lambda: defaultdict(dict))
        for (kind, key), value in totals.items():
            metric_name, name, labels, help_text = json.loads(key)
            metric = metrics.get(metric_name)
            if metric is None:
                metric = metrics[metric_name] = Metric(metric_name, help_text, kind)
            if kind == "histogram" and "le" in labels:
                le = labels.pop("le")
                buckets[metric_name][tuple(sorted(labels.items()))][float(le)] = value
            else:
                metric.add_sample(name, labels, value)
        for metric_name, by_labels in buckets.items():
            metric = metrics[metric_name]
            for labels_key, counts in by_labels.items():
                running = 0.0
                for upper in sorted(counts):
                    running += counts[upper]
                    metric.add_sample(f"{metric_name}_bucket", {**dict(labels_key), "le": floatToGoString(upper)}, running)
                metric.add_sample(f"{metric_name}_count", dict(labels_key), running)
        merged = list(metrics.values())
        if others:
            merged.extend(multiprocess.MultiProcessCollector.merge(others, accumulate=True))
        return merged
