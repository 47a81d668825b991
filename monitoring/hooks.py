"""The registry through which domain apps hand the floor their facts.

``monitoring`` imports no domain app. Each app that has facts worth watching ships a
``monitoring_hooks.py`` that registers them here; ``discover()`` imports those modules
the way the admin finds ``admin.py``. Two kinds of fact:

- a business gauge: a named number read at scrape time (``active_searches_total``),
  also shown under the ``application`` component of the detailed health check;
- known label values: the label sets of a metric that exist before the first event
  (each marketplace's slug), so dashboards and alert rules see a zero series at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class BusinessGauge:
    name: str
    help: str
    read: Callable[[], float]


_GAUGES: dict[str, BusinessGauge] = {}
_KNOWN_LABELS: dict[str, list[Callable[[], Iterable[dict[str, str]]]]] = {}
_discovered = False


def register_gauge(name: str, help: str) -> Callable[[Callable[[], float]], Callable[[], float]]:  # noqa: A002 - Prometheus' word
    def decorator(func: Callable[[], float]) -> Callable[[], float]:
        _GAUGES[name] = BusinessGauge(name=name, help=help, read=func)
        return func

    return decorator


def register_known_labels(metric_name: str) -> Callable[[Callable[[], Iterable[dict[str, str]]]], Callable[[], Iterable[dict[str, str]]]]:
    def decorator(func: Callable[[], Iterable[dict[str, str]]]) -> Callable[[], Iterable[dict[str, str]]]:
        _KNOWN_LABELS.setdefault(metric_name, []).append(func)
        return func

    return decorator


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("monitoring_hooks")
        _discovered = True


def business_gauges() -> list[BusinessGauge]:
    discover()
    return list(_GAUGES.values())


def known_labels() -> dict[str, list[Callable[[], Iterable[dict[str, str]]]]]:
    discover()
    return dict(_KNOWN_LABELS)
