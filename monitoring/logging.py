"""Structured logging: one structlog pipeline that the standard library's loggers share.

``logging.getLogger(__name__).info("search_created", extra={"search_id": 1})`` and
``structlog.get_logger().info("search_created", search_id=1)`` give the same JSON line:
timestamp, level, service, version, environment, name, message, then the event fields at
the top level. The request id and user id bound by the middleware (or by a task that a
request queued) ride along in ``contextvars``. Every line passes the redaction processor.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import structlog

REDACTED = "[REDACTED]"

# Keys whose values never reach a log line, matched case-insensitively as substrings.
SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "session",
    "api_key",
    "apikey",
    "csrf",
    "email",
    "e_mail",
    "remote_addr",
    "ip_address",
    "client_ip",
    "x_forwarded_for",
    "x-forwarded-for",
    "dsn",
)
SENSITIVE_EXACT_KEYS = {"ip", "addr"}

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IPV4_RE = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
# Full eight-group form, or a compressed form with "::" (times like 09:17:29 have neither).
IPV6_RE = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){0,6}:(?::|(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?![\w:])"
)
BEARER_RE = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
QUERY_SECRET_RE = re.compile(r"(?i)([?&](?:token|key|api_key|apikey|access_token|password|secret|signature|sig)=)[^&\s'\"]+")
# Credentials in a URL's user-info part: scheme://user:password@host (webhooks, Apprise, DSNs).
URL_USERINFO_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,15}://)[^/\s@'\"]+@")

# Fields every line carries, in this order at the front of the JSON object.
LEADING_FIELDS = ("timestamp", "level", "service", "version", "environment", "name", "message")

# The request being answered, so a line can say whose it is once authentication has run
# (DRF authenticates inside the view, after the middleware has bound the request id).
current_request: ContextVar[Any] = ContextVar("current_request", default=None)


def _sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in SENSITIVE_EXACT_KEYS or any(part in lowered for part in SENSITIVE_KEY_PARTS)


def redact_text(text: str) -> str:
    # Each pattern needs a character that most log strings lack: test for it first, so the
    # common line pays a few substring checks instead of five regular expressions.
    if "@" in text:
        if "://" in text:
            text = URL_USERINFO_RE.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
        text = EMAIL_RE.sub("[email]", text)
    if " " in text:
        text = BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if "=" in text:
        text = QUERY_SECRET_RE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    if "." in text:
        text = IPV4_RE.sub("[ip]", text)
    if ":" in text:
        text = IPV6_RE.sub("[ip]", text)
    return text


def redact_value(value: Any, depth: int = 0, max_depth: int = 8) -> Any:
    """Redact secrets in a value, following dicts, lists and tuples (not forever)."""
    if depth > max_depth:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and _sensitive_key(k) else redact_value(v, depth + 1, max_depth)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [redact_value(v, depth + 1, max_depth) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    # Any other object (a request, an exception) would be rendered by its repr: redact that.
    return redact_text(str(value))


# Fields whose values the service itself produces from fixed sets or validated input.
TRUSTED_FIELDS = frozenset(
    {"level", "service", "version", "environment", "logger", "method", "endpoint", "status", "duration_ms", "request_id", "user_id",
     "task_name", "task_id", "operation"}
)  # fmt: skip


def redact_processor(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key.startswith("_") or key in TRUSTED_FIELDS:
            continue
        value = event_dict[key]
        if key != "event" and _sensitive_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(value)
    return event_dict


def add_timestamp(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    record = event_dict.get("_record")
    moment = datetime.fromtimestamp(record.created, tz=UTC) if record is not None else datetime.now(tz=UTC)
    event_dict["timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return event_dict


def add_user_id(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Add the id of the request's user, once known, without forcing a lazy lookup."""
    if "user_id" in event_dict:
        return event_dict
    request = current_request.get()
    user = getattr(request, "__dict__", {}).get("user") if request is not None else None
    if user is None:
        return event_dict
    wrapped = getattr(user, "_wrapped", user)
    # An unevaluated SimpleLazyObject: resolving it here would query inside logging.
    if wrapped is not user and type(wrapped).__name__ == "object":
        return event_dict
    if getattr(wrapped, "is_authenticated", False):
        event_dict["user_id"] = wrapped.pk
    return event_dict


class ServiceFields:
    def __init__(self, service: str, version: str, environment: str) -> None:
        self.fields = {"service": service, "version": version, "environment": environment}

    def __call__(self, logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        for key, value in self.fields.items():
            event_dict.setdefault(key, value)
        return event_dict


def finalize(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Rename structlog's keys to ours and put the leading fields first."""
    event_dict["message"] = event_dict.pop("event", "")
    if "logger" in event_dict:
        event_dict["name"] = event_dict.pop("logger")
    event_dict["level"] = str(event_dict.get("level", method)).lower()
    event_dict.pop("logger_name", None)
    ordered = {key: event_dict.pop(key) for key in LEADING_FIELDS if key in event_dict}
    ordered.update(event_dict)
    return ordered


def _shared_processors(service: str, version: str, environment: str) -> list[Any]:
    return [
        merge_bound_context,
        # Also what code binds with structlog.contextvars directly.
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        add_user_id,
        ServiceFields(service, version, environment),
        structlog.processors.format_exc_info,
        redact_processor,
        add_timestamp,
    ]


def build_formatter(*, service: str, version: str, environment: str, fmt: str = "json") -> logging.Formatter:
    """The formatter of the root handler; configures structlog to feed the same pipeline.

    Referenced from ``settings.LOGGING`` with ``"()"``, so it runs when Django applies
    its logging configuration, once per process.
    """
    shared = _shared_processors(service, version, environment)
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    if fmt == "console":
        renderer: Any = structlog.dev.ConsoleRenderer(colors=False)
        tail = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]
    else:
        tail = [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            finalize,
            structlog.processors.JSONRenderer(default=str),
        ]
    return structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=tail)


# Libraries whose INFO lines are noise in production.
THIRD_PARTY_LOGGERS = ("django", "django.server", "django-q", "django_q", "urllib3", "requests", "asyncio", "sentry_sdk", "gunicorn")


def logging_config(*, level: str, fmt: str, service: str, version: str, environment: str) -> dict[str, Any]:
    """``settings.LOGGING``: every logger ends at one stream handler with our formatter."""
    third_party_level = "WARNING" if logging.getLevelName(level) < logging.WARNING else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": "monitoring.logging.build_formatter",
                "service": service,
                "version": version,
                "environment": environment,
                "fmt": fmt,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # django.request logs every 4xx/5xx at WARNING/ERROR; the middleware does that already.
            **{name: {"level": third_party_level, "handlers": [], "propagate": True} for name in THIRD_PARTY_LOGGERS},
            "django.request": {"level": "ERROR"},
        },
    }


# The request's (or task's) fields, in one context variable holding an immutable-by-habit
# dict: binding and clearing are one ``set`` each, where structlog's own contextvars helpers
# copy the whole context on every clear. Twice per request, that showed in the benchmark.
_bound: ContextVar[dict[str, Any]] = ContextVar("monitoring_log_context", default={})  # noqa: B039 - never mutated


def bind_context(**values: Any) -> None:
    _bound.set({**_bound.get(), **{k: v for k, v in values.items() if v is not None}})


def clear_context() -> None:
    _bound.set({})


def start_context(**values: Any) -> None:
    """Replace whatever is bound with ``values``: where a request or a task begins."""
    _bound.set(values)


def context() -> dict[str, Any]:
    return dict(_bound.get())


def merge_bound_context(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key, value in _bound.get().items():
        event_dict.setdefault(key, value)
    return event_dict
