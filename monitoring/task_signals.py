"""django-q2 signal receivers: task metrics, log context, dead worker processes.

Connected in MonitoringConfig.ready(), so no task module has to change:
- ``pre_enqueue`` (the queuing process) copies the request id and user id into the task;
- ``pre_execute`` (the worker) binds them, with the task's name and id, for its log lines;
- ``post_execute_in_worker`` (the worker, also in sync mode and when the task raised)
  counts the task, records its duration and clears the log context;
- ``post_spawn`` (a new worker process) marks the metrics of dead processes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from monitoring import metrics
from monitoring.logging import bind_context, clear_context, context, current_request
from monitoring.multiprocess import mark_dead_processes

logger = logging.getLogger(__name__)

LOG_CONTEXT_KEY = "log_context"
CARRIED_KEYS = ("request_id", "user_id")


def task_name_of(func: Any) -> str:
    if callable(func):
        return f"{func.__module__}.{getattr(func, '__qualname__', getattr(func, '__name__', 'unknown'))}"
    return str(func)


def _current_user_id() -> Any:
    request = current_request.get()
    user = getattr(request, "__dict__", {}).get("user") if request is not None else None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is not None and type(wrapped).__name__ != "object" and getattr(wrapped, "is_authenticated", False):
        return wrapped.pk
    return None


def on_pre_enqueue(sender: Any, task: dict[str, Any], **kwargs: Any) -> None:
    carried = {k: v for k, v in context().items() if k in CARRIED_KEYS}
    user_id = carried.get("user_id") or _current_user_id()
    if user_id is not None:
        carried["user_id"] = user_id
    if carried:
        task[LOG_CONTEXT_KEY] = carried


def on_pre_execute(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    clear_context()
    bind_context(**task.get(LOG_CONTEXT_KEY, {}), task_name=task_name_of(task.get("func")), task_id=task.get("id"))


def on_post_execute_in_worker(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    try:
        name = task_name_of(task.get("func"))
        # In sync mode a failing task raises before django-q2 records its outcome.
        success = bool(task.get("success", False))
        metrics.tasks_total.labels(task_name=name, status="success" if success else "failure").inc()
        started = task.get("started")
        stopped = task.get("stopped") or timezone.now()
        if started is not None:
            metrics.task_duration_seconds.labels(task_name=name).observe(max((stopped - started).total_seconds(), 0.0))
        if not success:
            logger.error("task_failed", extra={"task_name": name, "task_id": task.get("id")})
    finally:
        clear_context()


def on_post_spawn(sender: Any, proc_name: str = "", **kwargs: Any) -> None:
    dead = mark_dead_processes()
    if dead:
        logger.info("metrics_dead_processes_marked", extra={"pids": dead})


def connect() -> None:
    from django_q import signals

    signals.pre_enqueue.connect(on_pre_enqueue, dispatch_uid="monitoring_pre_enqueue")
    signals.pre_execute.connect(on_pre_execute, dispatch_uid="monitoring_pre_execute")
    signals.post_execute_in_worker.connect(on_post_execute_in_worker, dispatch_uid="monitoring_post_execute_in_worker")
    signals.post_spawn.connect(on_post_spawn, dispatch_uid="monitoring_post_spawn")
