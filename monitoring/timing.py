"""``@timed_operation("name")``: log and time a function, sync or async."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from monitoring import metrics

logger = logging.getLogger("monitoring.operations")

F = TypeVar("F", bound=Callable[..., Any])


def _record(name: str, started: float, error: BaseException | None) -> None:
    duration = time.perf_counter() - started
    status = "error" if error is not None else "ok"
    metrics.operation_duration_seconds.labels(operation=name, status=status).observe(duration)
    extra = {"operation": name, "status": status, "duration_ms": round(duration * 1000, 2)}
    if error is not None:
        extra["error_type"] = type(error).__name__
        logger.warning("operation_failed", extra=extra)
    else:
        logger.info("operation_finished", extra=extra)


def timed_operation(name: str) -> Callable[[F], F]:
    """Time every call into ``operation_duration_seconds{operation=name}`` and log it.

    ``name`` is a fixed label value chosen by the programmer, never derived from input.
    """

    def decorator(func: F) -> F:
        # The series exists from import on, so a dashboard sees it before the first call.
        metrics.operation_duration_seconds.labels(operation=name, status="ok")
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    result = await func(*args, **kwargs)
                except BaseException as exc:
                    _record(name, started, exc)
                    raise
                _record(name, started, None)
                return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                _record(name, started, exc)
                raise
            _record(name, started, None)
            return result

        return wrapper  # type: ignore[return-value]

    return decorator
