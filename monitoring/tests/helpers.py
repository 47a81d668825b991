"""Task functions and views the tests queue or route to."""

from __future__ import annotations

import logging

import structlog
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("monitoring.tests")


def log_from_task(label: str) -> str:
    logger.info("task_line", extra={"label": label})
    return label


def failing_task() -> None:
    raise RuntimeError("the task broke")


def boom(request: HttpRequest) -> HttpResponse:
    logger.info("about_to_fail", extra={"email": "alice@example.com"})
    raise ValueError("payment for alice@example.com failed with token tok_live_abcdef123456")


def hello(request: HttpRequest, pk: int) -> JsonResponse:
    structlog.get_logger("monitoring.tests").info("hello_view", answer=42)
    logging.getLogger("monitoring.tests").info("hello_stdlib", extra={"answer": 42})
    return JsonResponse({"ok": True})


def queue_task(request: HttpRequest) -> JsonResponse:
    from django_q.tasks import async_task

    async_task("monitoring.tests.helpers.log_from_task", "from-request", sync=True)
    return JsonResponse({"queued": True})
