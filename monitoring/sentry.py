"""Error reporting to Sentry, on only when ``SENTRY_DSN`` is set.

Nothing personal leaves: ``send_default_pii`` is off, the event scrubber's deny list is
extended with our keys and applied recursively, strings are passed through the same
redaction as the logs, and the user is identified by id alone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from monitoring.logging import REDACTED, redact_value

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

# Added to sentry_sdk's DEFAULT_DENYLIST (which already has password, secret, token,
# authorization, cookie, csrf and session keys).
EXTRA_DENYLIST = [
    "set-cookie",
    "set_cookie",
    "x-api-key",
    "api_token",
    "access_token",
    "refresh_token",
    "webhook_secret",
    "webhook_url",
    "signing_secret",
    "email",
    "e-mail",
    "email_address",
    "remote_addr",
    "x-forwarded-for",
    "x_forwarded_for",
    "x-real-ip",
    "ip_address",
    "metrics_token",
    "ebay_client_secret",
]

# Probes and scrapes: frequent, uninteresting, never traced.
UNSAMPLED_PATHS = ("/health", "/api/v1/monitoring/")


def traces_sampler_for(rate: float) -> Any:
    def sampler(context: dict[str, Any]) -> float:
        environ = context.get("wsgi_environ") or {}
        path = environ.get("PATH_INFO", "")
        if path.startswith(UNSAMPLED_PATHS):
            return 0.0
        scope = context.get("asgi_scope") or {}
        if str(scope.get("path", "")).startswith(UNSAMPLED_PATHS):
            return 0.0
        return rate

    return sampler


def _only_user_id(event: dict[str, Any]) -> None:
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if user.get("id") is not None else {}


def _drop_frame_locals(event: dict[str, Any]) -> None:
    """No frame's local variables leave, whatever ``include_local_variables`` says.

    A frame's locals are reprs of whatever the code held: a serializer shows the submitted
    data (passwords, webhook secrets), a local ``url`` holds an Apprise URL with its
    tokens. No deny list of key names can see into those strings, so they go entirely;
    the stack trace (files, lines, code) stays, which is what a fix needs.
    """
    for section in ("exception", "threads"):
        container = event.get(section)
        values = container.get("values") if isinstance(container, dict) else None
        for value in values or []:
            stacktrace = value.get("stacktrace") if isinstance(value, dict) else None
            for frame in (stacktrace or {}).get("frames") or []:
                if isinstance(frame, dict):
                    frame.pop("vars", None)


def before_send(event: Event, hint: Hint) -> Event:
    """Last pass after the scrubber: no frame locals, user id only, and no e-mail, IP, token or URL credentials in any string."""
    _scrub(cast("dict[str, Any]", event))  # an Event is a plain dict at run time
    return event


def _scrub(event: dict[str, Any]) -> None:
    _drop_frame_locals(event)
    _only_user_id(event)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("env", None)
        # The body's field names help; its values are what people typed (passwords,
        # Apprise URLs whose tokens sit in the path), so none of them leave.
        data = request.get("data")
        if isinstance(data, dict):
            request["data"] = {key: REDACTED for key in data}
        elif data:
            request["data"] = REDACTED
    scrubbed = redact_value({k: v for k, v in event.items() if k not in ("user", "timestamp", "start_timestamp")}, max_depth=30)
    event.update(scrubbed)


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float = 0.0, **options: Any) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        # Frame locals hold serializer reprs and URLs with credentials (before_send drops
        # any that get through): https://docs.sentry.io/platforms/python/configuration/options/#include-local-variables
        include_local_variables=False,
        traces_sampler=traces_sampler_for(traces_sample_rate),
        integrations=[
            DjangoIntegration(),
            RedisIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + EXTRA_DENYLIST, recursive=True),
        before_send=before_send,
        before_send_transaction=before_send,
        **options,
    )


class _TaskFailureReporter:
    """django-q2 calls ``report()`` inside the worker's ``except`` block, exception in hand."""

    def report(self) -> None:
        import sentry_sdk

        sentry_sdk.capture_exception()


def install_task_failure_reporter() -> None:
    """Called from MonitoringConfig.ready() when Sentry is on (django_q needs settings loaded)."""
    # django-q2 finds error reporters through package entry points; we ship no package,
    # so we hand the worker its reporter directly.
    # https://django-q2.readthedocs.io/en/master/configure.html#error-reporter
    from django_q import conf, worker

    reporter = conf.ErrorReporter([_TaskFailureReporter()])
    worker.error_reporter = reporter
    conf.error_reporter = reporter
