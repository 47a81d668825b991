"""The real sentry-sdk, sending to a local HTTP endpoint that keeps the envelopes."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator

import pytest
import sentry_sdk
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitoring.sentry import init_sentry, install_task_failure_reporter

SECRETS = [
    "Bearer-sekrit-abcdef123456",
    "sessionid-value-987654",
    "hunter2-password",
    "alice@example.com",
    "whsec_live_secret_value",
    "tok_live_abcdef123456",
    "qs-token-secret-777",
]


class Envelopes:
    def __init__(self) -> None:
        self.raw: list[bytes] = []

    def __call__(self, request: Request) -> Response:
        body = request.get_data()
        encoding = request.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.raw.append(body)
        return Response("{}", status=200, content_type="application/json")

    def items(self) -> list[dict]:
        found = []
        for envelope in self.raw:
            for line in envelope.splitlines()[1:]:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if "type" not in item or "length" not in item:
                    found.append(item)
        return found

    def events(self) -> list[dict]:
        return [item for item in self.items() if item.get("exception") or item.get("level") == "error"]

    def transactions(self) -> list[dict]:
        return [item for item in self.items() if item.get("type") == "transaction"]


@pytest.fixture
def sentry(httpserver: HTTPServer) -> Iterator[Envelopes]:
    envelopes = Envelopes()
    httpserver.expect_request("/api/1/envelope/").respond_with_handler(envelopes)
    init_sentry(
        dsn=f"http://publickey@127.0.0.1:{httpserver.port}/1",
        environment="test-env",
        release="9.9.9",
        traces_sample_rate=1.0,
    )
    install_task_failure_reporter()
    yield envelopes
    sentry_sdk.init(dsn=None)
    from django_q import conf, worker

    worker.error_reporter = None
    conf.error_reporter = None


@pytest.mark.django_db
@pytest.mark.urls("monitoring.tests.urls")
def test_an_error_with_secrets_reaches_sentry_without_them(client, sentry, django_user_model):
    user = django_user_model.objects.create_user(email="alice@example.com", password="hunter2-password")
    client.force_login(user)
    client.raise_request_exception = False
    client.cookies["sessionid-extra"] = "sessionid-value-987654"
    response = client.post(
        "/test/boom/?token=qs-token-secret-777",
        data={"password": "hunter2-password", "email": "alice@example.com", "webhook_secret": "whsec_live_secret_value"},
        headers={"Authorization": "Bearer Bearer-sekrit-abcdef123456", "X-Request-ID": "sentry-1"},
    )
    assert response.status_code == 500
    sentry_sdk.flush(5)
    events = sentry.events()
    assert events, "Sentry received no event"
    event = next(e for e in events if e.get("exception"))
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["release"] == "9.9.9" and event["environment"] == "test-env"
    assert event.get("user", {}) == {"id": str(user.pk)} or event.get("user", {}) == {"id": user.pk}
    everything = b"\n".join(sentry.raw).decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in everything, secret


@pytest.mark.django_db
def test_health_and_metrics_are_never_traced(sentry):
    # Through the WSGI handler that gunicorn runs (Django's test client bypasses it).
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.test import Client

    client = Client(WSGIHandler())
    for path in ("/health", "/api/v1/monitoring/health/live", "/api/v1/monitoring/metrics", "/api/v1/searches/"):
        client.get(path, headers={"Host": "testserver"})
    sentry_sdk.flush(5)
    names = [t.get("transaction") for t in sentry.transactions()]
    assert names, "the ordinary request should have been traced"
    assert not any(name and ("health" in name or "monitoring" in name) for name in names), names


@pytest.mark.django_db
def test_a_failing_task_is_reported(sentry):
    from django_q.tasks import async_task

    with pytest.raises(RuntimeError):
        async_task("monitoring.tests.helpers.failing_task", sync=True)
    sentry_sdk.flush(5)
    messages = [e["exception"]["values"][-1]["value"] for e in sentry.events() if e.get("exception")]
    assert "the task broke" in messages


# --- Frame locals: what a failing request holds in its stack ----------------------------
# A crash deep in a service leaves the serializer (its repr shows the submitted data),
# the URL and the secret in the frames' local variables; none of it may leave.

FRAME_SECRETS = {
    # a webhook secret, and a key in the URL's query string
    "webhook": ("whsec-frame-local-secret-42", "https://127.0.0.1:9/hook?key=querykey-secret-555", "querykey-secret-555"),
    # credentials in a webhook URL's user-info
    "webhook-userinfo": ("whsec-frame-local-secret-43", "https://hookuser:hookpass-secret-77@127.0.0.1:9/h", "hookpass-secret-77"),
    # an Apprise URL is all credentials
    "apprise": ("", "tgram://123456789:telegram-bot-token-abcdef/987654", "telegram-bot-token-abcdef"),
}


def _crash_on_save(monkeypatch):  # noqa: ANN001, ANN202
    from alerts.models import NotificationChannel

    def broken_full_clean(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise RuntimeError("the database went away")

    monkeypatch.setattr(NotificationChannel, "full_clean", broken_full_clean)


def _assert_absent(sentry: Envelopes, *secrets: str) -> None:
    sentry_sdk.flush(5)
    assert any(e.get("exception") for e in sentry.events()), "Sentry received no event"
    everything = b"\n".join(sentry.raw).decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in everything, secret


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(FRAME_SECRETS))
def test_a_channel_create_that_crashes_sends_no_secret_or_url_credentials(client, sentry, django_user_model, settings, monkeypatch, case):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    user = django_user_model.objects.create_user(email="carol@example.com", password="irrelevant-pass-1")
    client.force_login(user)
    client.raise_request_exception = False
    _crash_on_save(monkeypatch)
    secret, url, credential = FRAME_SECRETS[case]
    kind = case.split("-")[0]
    body = {"kind": kind, "url": url, **({"secret": secret} if secret else {})}
    response = client.post("/api/v1/alerts/channels/", data=body, content_type="application/json")
    assert response.status_code == 500
    _assert_absent(sentry, *(s for s in (secret, credential) if s))


@pytest.mark.django_db
def test_a_register_that_crashes_sends_no_password(client, sentry, monkeypatch):
    from accounts.models import User

    def broken_save(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise RuntimeError("the database went away")

    monkeypatch.setattr(User, "save", broken_save)
    client.raise_request_exception = False
    response = client.post(
        "/api/v1/auth/register",
        data={"email": "dave@example.com", "password": "register-frame-pass-31337"},
        content_type="application/json",
    )
    assert response.status_code == 500
    _assert_absent(sentry, "register-frame-pass-31337", "dave@example.com")
