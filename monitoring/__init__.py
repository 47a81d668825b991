"""The observability floor: logs, errors, metrics, health. Imports no domain app."""

from __future__ import annotations

from typing import Any

__all__ = ["timed_operation"]


def __getattr__(name: str) -> Any:
    # Lazy, so that settings can import monitoring.logging without loading prometheus_client.
    if name == "timed_operation":
        from monitoring.timing import timed_operation

        return timed_operation
    raise AttributeError(name)
