"""Where one API request's time goes: pyinstrument, attributed to phases and resources.

Used by ``bench/api.py --profile``. Requests run through Django's WSGI handler in the bench
process (same settings, database and cache as the gunicorn workers), under a sampling
profiler. Each sample's time is attributed twice:

- to a *phase*: the outermost recognised step (the view's own work refined by the steps it calls) of the request on the stack (authentication,
  throttling, filtering, pagination, serialization, rendering, the view's own work, the
  middleware and Django around them);
- to a *resource*: the innermost recognised layer (the database driver, the cache client,
  the ORM building SQL or turning rows into objects, or plain Python).

So "throttling 0.9 ms, of which cache 0.8 ms" reads as: the throttle checks cost 0.9 ms per
request, almost all of it waiting on Redis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# (phase, predicate on (file path, function name)); the first match wins, outermost frame first.
PHASES: list[tuple[str, Callable[[str, str], bool]]] = [
    ("authentication", lambda f, fn: fn in {"perform_authentication", "_authenticate"} and "rest_framework" in f),
    ("throttling", lambda f, fn: fn == "check_throttles"),
    ("permissions", lambda f, fn: fn == "check_permissions"),
    ("filtering", lambda f, fn: "django_filters" in f or fn == "filter_queryset"),
    ("pagination", lambda f, fn: "pagination" in f),
    ("serialization", lambda f, fn: "rest_framework/serializers" in f or "rest_framework/fields" in f or fn == "to_representation"),
    ("rendering", lambda f, fn: "renderers" in f or fn in {"finalize_response", "render"}),
    ("view", lambda f, fn: fn in {"get", "list", "dashboard_for_user", "dashboard_body"} and "site-packages/django/" not in f),
]
# Innermost match wins.
RESOURCES: list[tuple[str, Callable[[str, str], bool]]] = [
    ("database", lambda f, fn: "psycopg" in f or "django/db/backends" in f),
    ("cache", lambda f, fn: "django_redis" in f or "/redis/" in f or "django/core/cache" in f),
    (
        "ORM: building SQL",
        lambda f, fn: "django/db/models/sql" in f or "django/db/models/expressions" in f or "django/db/models/lookups" in f,
    ),
    ("ORM: rows to objects", lambda f, fn: "django/db/models" in f),
]


@dataclass
class Breakdown:
    requests: int
    total_ms: float
    by_phase: dict[str, float]  # ms per request
    by_phase_resource: dict[tuple[str, str], float]
    by_resource: dict[str, float]


def _classify(rules: list[tuple[str, Callable[[str, str], bool]]], frame: Any) -> str | None:
    path = (frame.file_path or "").replace("\\", "/")
    function = frame.function or ""
    for name, predicate in rules:
        if predicate(path, function):
            return name
    return None


def attribute(root: Any, *, requests: int) -> Breakdown:
    phase_res: dict[tuple[str, str], float] = defaultdict(float)

    def walk(frame: Any, phase: str | None, resource: str | None) -> None:
        if phase is None or phase == "view":
            # The view's own work is refined by the steps it calls (filtering, pagination...).
            phase = _classify(PHASES, frame) or phase
        resource = _classify(RESOURCES, frame) or resource
        # self time: this frame's time minus its children's
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            phase_res[(phase or "middleware + Django", resource or "Python")] += own
        for child in frame.children:
            walk(child, phase, resource)

    walk(root, None, None)
    scale = 1000 / requests
    by_phase: dict[str, float] = defaultdict(float)
    by_resource: dict[str, float] = defaultdict(float)
    per_request = {key: value * scale for key, value in phase_res.items()}
    for (phase, resource), ms in per_request.items():
        by_phase[phase] += ms
        by_resource[resource] += ms
    return Breakdown(requests, sum(per_request.values()), dict(by_phase), per_request, dict(by_resource))


def profile(call: Callable[[int], None], *, requests: int) -> Breakdown:
    """Run ``call(n)`` for n in range(requests) under pyinstrument and attribute the samples."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    for n in range(requests):
        call(n)
    profiler.stop()
    return attribute(profiler.last_session.root_frame(), requests=requests)


def format_breakdown(name: str, breakdown: Breakdown) -> Iterable[str]:
    resources = sorted(breakdown.by_resource, key=lambda r: -breakdown.by_resource[r])
    yield f"profile of {name}: {breakdown.total_ms:.2f} ms of Python per request ({breakdown.requests} requests, pyinstrument)"
    yield f"  {'phase':22} {'ms/req':>7} {'share':>6}   " + "  ".join(f"{r:>12.12}" for r in resources)
    for phase, ms in sorted(breakdown.by_phase.items(), key=lambda item: -item[1]):
        cells = "  ".join(f"{breakdown.by_phase_resource.get((phase, r), 0):12.2f}" for r in resources)
        yield f"  {phase:22} {ms:7.2f} {ms / breakdown.total_ms:6.0%}   {cells}"
    cells = "  ".join(f"{breakdown.by_resource[r]:12.2f}" for r in resources)
    yield f"  {'total':22} {breakdown.total_ms:7.2f} {1:6.0%}   {cells}"
